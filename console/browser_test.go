package console_test

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
)

// screenshotDir is where CHATQ_UPDATE_SCREENSHOTS=1 writes the README's
// screenshots.
const screenshotDir = "../docs/console"

// chromium finds a Chromium or Chrome binary; "" when none is installed.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium that sends the monitor's credentials
// with every request; every action is bounded by one minute in all.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium()
	if exe == "" {
		t.Skip("Chromium is not installed (apt-get install chromium): the browser test needs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("disable-gpu", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(cancelB)
	ctx, cancelT := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(cancelT)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPassword))
	require.NoError(t, chromedp.Do(ctx)) // starts the browser and its tab
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}})
	require.NoError(t, err)
	return ctx
}

// shot saves the page as docs/console/<name>.png (quality 100 is PNG) when
// CHATQ_UPDATE_SCREENSHOTS=1; otherwise it does nothing.
func shot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if os.Getenv("CHATQ_UPDATE_SCREENSHOTS") != "1" {
			return nil
		}
		capture := chromedp.FullScreenshot(100)
		if name == "policy" { // the whole table is several screens long
			capture = chromedp.CaptureScreenshot()
		}
		png, err := capture(ctx, t)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644)
	})
}

// TestConsole_Browser drives the console in Chromium against a real worker
// on the sandbox: every page loads, the dead letters are filtered, a dry run
// then a replay through the UI delivers the tasks, a patch is previewed as a
// diff and replayed, a delete is confirmed, and the read-only console shows
// no action.
func TestConsole_Browser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	b := setup(t)
	f := b.fleet
	var text string

	// Overview: charts, queues, throttle, open dead letters by rule.
	do(t, ctx,
		chromedp.Navigate(b.url+"/console/"),
		chromedp.WaitVisible("#queues"),
		textOf("#open-by-rule", &text),
		shot("overview"),
	)
	require.Contains(t, text, ownerRule)
	var total string
	do(t, ctx, textOf("#open-total", &total))
	require.Equal(t, "5", total)

	// Dead letters: filter by rule and payload text through the form.
	do(t, ctx,
		chromedp.Navigate(b.url+"/console/deadletters"),
		chromedp.WaitVisible("#filter-form"),
		chromedp.SetValue(`input[name="rule"]`, ownerRule),
		chromedp.SetValue(`input[name="contains"]`, replayMarker),
		chromedp.Click("#apply-filter"),
		chromedp.WaitVisible(`#deadletters`),
		textOf("#deadletters", &text),
		shot("deadletters"),
	)
	for _, id := range b.replayIDs {
		require.Contains(t, text, id)
	}
	require.NotContains(t, text, b.doomedID, "filtered out")

	// Replay: the dry run first — nothing is sent — then the confirmation.
	sentBefore := len(f.Sandbox.Messages())
	do(t, ctx,
		chromedp.Click("#replay-selected"),
		chromedp.WaitVisible("#preview"),
		textOf("#counts", &text),
		shot("replay-preview"),
	)
	require.Contains(t, text, "3 would-replay")
	require.Equal(t, sentBefore, len(f.Sandbox.Messages()), "a dry run sends nothing")
	do(t, ctx,
		chromedp.Click("#confirm"),
		chromedp.WaitVisible("#done"),
		textOf("#counts", &text),
		shot("replay-done"),
	)
	require.Contains(t, text, "3 replayed")
	waitDelivered(t, b, replayMarker+"-a", replayMarker+"-b", replayMarker+"-c")

	// A record in full, then the patch editor: the diff first, then the replay.
	do(t, ctx,
		chromedp.Navigate(b.url+"/console/deadletters/"+b.tooLargeID),
		chromedp.WaitVisible("#payload"),
		textOf("#policy-row", &text),
		shot("record"),
	)
	require.Contains(t, text, "(payload)", "the current row puts it down to the payload")
	do(t, ctx,
		chromedp.Click("#edit-one"),
		chromedp.WaitVisible("#patch"),
		chromedp.SetValue("#patch", `{"body":{"msg":"patched"}}`),
		chromedp.Click("#preview-patch"),
		chromedp.WaitVisible("pre.diff"),
		textOf("#items", &text),
		shot("patch-preview"),
	)
	require.Contains(t, text, `"too-large"`)
	require.Contains(t, text, `"patched"`)
	do(t, ctx, chromedp.Click("#confirm"), chromedp.WaitVisible("#done"))
	waitDelivered(t, b, "patched")

	// Delete with confirmation.
	do(t, ctx,
		chromedp.Navigate(b.url+"/console/deadletters/"+b.doomedID),
		chromedp.Click("#delete-one"),
		chromedp.WaitVisible("#confirm"),
		chromedp.Click("#confirm"),
		chromedp.WaitVisible("#done"),
	)
	_, err := f.Store.Get(context.Background(), b.doomedID)
	require.ErrorIs(t, err, deadletter.ErrNotFound)

	// The audit log and the policy page with an explanation.
	do(t, ctx,
		chromedp.Navigate(b.url+"/console/audit"),
		chromedp.WaitVisible("#audit"),
		textOf("#audit", &text),
		shot("audit"),
	)
	require.Equal(t, 2, strings.Count(text, "replayed "), text)
	require.Contains(t, text, "rule="+ownerRule+" contains="+replayMarker)
	require.Contains(t, text, "delete")
	do(t, ctx,
		chromedp.Navigate(b.url+"/console/policy"),
		chromedp.SetValue(`input[name="status"]`, "403"),
		chromedp.SetValue(`input[name="code"]`, "forbidden_op"),
		chromedp.SetValue(`input[name="message"]`, groupOwnerDesc),
		chromedp.Click("#explain"),
		chromedp.WaitVisible("#explanation"),
		textOf("#explanation", &text),
		shot("policy"),
	)
	require.Contains(t, text, "rule:     "+ownerRule)

	// Read-only: the pages load, and no action is offered.
	var actions int
	do(t, ctx,
		chromedp.Navigate(b.roURL+"/console/deadletters"),
		chromedp.WaitVisible("#readonly"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			var err error
			actions, err = chromedp.Evaluate[int](`document.querySelectorAll("form[method=post], button[formaction], #confirm").length`)(ctx, tg)
			return err
		}),
	)
	require.Zero(t, actions, "read-only pages offer no action")
	do(t, ctx, chromedp.Navigate(b.roURL+"/console/"), chromedp.WaitVisible("#queues"))
	require.Zero(t, openDeadLetters(t, b))

	// A phone's width: the page reflows, only wide tables scroll in their box.
	var overflow int
	do(t, ctx, chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(b.url+"/console/"),
		chromedp.WaitVisible("#queues"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			var err error
			overflow, err = chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`)(ctx, tg)
			return err
		}),
		shot("phone"),
	)
	require.LessOrEqual(t, overflow, 0, "the overview is wider than a phone")
}

// waitDelivered waits until the sandbox has received a message with each
// text.
func waitDelivered(t *testing.T, b *testBundle, texts ...string) {
	t.Helper()
	waitFor(t, "messages "+strings.Join(texts, ", ")+" delivered", func() bool {
		got := map[string]bool{}
		for _, m := range b.fleet.Sandbox.Messages() {
			for _, txt := range texts {
				if strings.Contains(string(m.Body), txt) {
					got[txt] = true
				}
			}
		}
		return len(got) == len(texts)
	})
}

// do runs the steps in the browser and stops the test at the first error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, steps...))
}

// textOf reads the visible text of the element sel into dst.
func textOf(sel string, dst *string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var err error
		*dst, err = chromedp.Text(sel)(ctx, t)
		return err
	})
}
