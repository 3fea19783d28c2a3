package console

import (
	"strconv"
	"time"

	"github.com/chatq/chatq/activity"
)

// The outcomes the worker counts (dispatcher.Outcome values; the console
// does not import the worker, and a test keeps these in step).
const (
	outDelivered    = "delivered"
	outDone         = "done"
	outRetry        = "retry"
	outDeferred     = "defer"
	outDeadLettered = "dead-letter"
)

// Chart geometry, in SVG user units: one bar per minute.
const (
	chartHeight = 60.0
	chartBarW   = 2.0
)

// chart is a per-minute bar chart rendered as inline SVG by the template.
type chart struct {
	Title string
	Class string // colour
	Total int64
	Max   int64
	Width float64
	H     float64
	Bars  []bar
	From  time.Time
	To    time.Time
}

type bar struct {
	X, Y, W, H float64
	Label      string
}

// series names a chart and the outcomes it adds up.
type series struct {
	title, class string
	outcomes     []string
}

var chartSeries = []series{
	{"Delivered per minute (delivered + done)", "ok", []string{outDelivered, outDone}},
	{"Retries per minute (retry + defer)", "warn", []string{outRetry, outDeferred}},
	{"Dead letters per minute", "bad", []string{outDeadLettered}},
}

func charts(minutes []activity.Minute) []chart {
	out := make([]chart, 0, len(chartSeries))
	for _, s := range chartSeries {
		out = append(out, newChart(s, minutes))
	}
	return out
}

func newChart(s series, minutes []activity.Minute) chart {
	c := chart{Title: s.title, Class: s.class, Width: chartBarW * float64(len(minutes)), H: chartHeight}
	if len(minutes) > 0 {
		c.From, c.To = minutes[0].Start, minutes[len(minutes)-1].Start.Add(time.Minute)
	}
	counts := make([]int64, len(minutes))
	for i, m := range minutes {
		counts[i] = m.Sum("", s.outcomes...)
		c.Total += counts[i]
		c.Max = max(c.Max, counts[i])
	}
	for i, n := range counts {
		if n == 0 {
			continue
		}
		h := max(1, chartHeight*float64(n)/float64(c.Max))
		c.Bars = append(c.Bars, bar{X: float64(i) * chartBarW, Y: chartHeight - h, W: chartBarW * 0.8, H: h,
			Label: minutes[i].Start.UTC().Format("15:04") + ": " + strconv.FormatInt(n, 10)})
	}
	return c
}
