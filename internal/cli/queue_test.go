package cli

import (
	"testing"

	"github.com/casefile/casefile/internal/queue"
)

func TestQueueConfig(t *testing.T) {
	tests := []struct {
		name    string
		want    queue.Config
		wantErr bool
	}{
		{"", queue.Config{}, false},
		{"newsroom2", queue.Config{Stream: "CASEFILE_WORK_NEWSROOM2", DeadStream: "CASEFILE_DEAD_NEWSROOM2", Prefix: "casefile_newsroom2"}, false},
		{"a_b", queue.Config{Stream: "CASEFILE_WORK_A_B", DeadStream: "CASEFILE_DEAD_A_B", Prefix: "casefile_a_b"}, false},
		{"News", queue.Config{}, true},                              // upper case would share a stream with "news"
		{"a.b", queue.Config{}, true},                               // a dot splits a subject
		{"a-b", queue.Config{}, true},                               // not allowed in stream names here
		{"x>", queue.Config{}, true},                                // a wildcard
		{"012345678901234567890123456789012", queue.Config{}, true}, // 33
	}
	for _, tc := range tests {
		t.Setenv("CASEFILE_QUEUE_NAME", tc.name)
		got, err := queueConfig()
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: error %v, want error %v", tc.name, err, tc.wantErr)
			continue
		}
		if err == nil && got != tc.want {
			t.Errorf("%q: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
