package netaddr

import "testing"

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr    string
		want    bool
		wantErr bool
	}{
		{"127.0.0.1:8080", true, false},
		{"[::1]:8080", true, false},
		{"LocalHost:8080", true, false},
		{":8080", false, false},
		{"0.0.0.0:8080", false, false},
		{"10.0.0.1:8080", false, false},
		{"example.com:8080", false, false},
		{"127.0.0.1", false, true},
	} {
		got, err := IsLoopback(tc.addr)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("IsLoopback(%q) = %v, %v; want %v, error %v", tc.addr, got, err, tc.want, tc.wantErr)
		}
	}
}
