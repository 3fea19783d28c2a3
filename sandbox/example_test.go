package sandbox_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/chatq/chatq/sandbox"
)

func ExampleParseFault() {
	f, err := sandbox.ParseFault("endpoint=send_message,status=503,times=2,retry_after=1")
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Endpoint, f.Status, f.Times, f.RetryAfter)
	// Output: send_message 503 2 1
}

func ExampleServer_AddFault() {
	srv := sandbox.New(sandbox.Config{})
	ts := httptest.NewServer(srv)
	defer ts.Close()

	srv.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointToken, Status: 503, Message: "busy", Times: 1})
	for range 2 {
		resp, err := http.Post(ts.URL+"/org/app/token", "application/json", strings.NewReader(
			`{"grant_type":"client_credentials","client_id":"sandbox-client-id","client_secret":"sandbox-client-secret"}`))
		if err != nil {
			panic(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	fmt.Println(srv.Stats().Responses)
	// Output:
	// 503
	// 200
	// map[200:1 503:1]
}
