package ocr

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// output is what a subprocess printed.
type output struct {
	stdout, stderr []byte
}

// run runs bin with args. extraEnv is added to the environment. When ctx
// ends the process (and, on Unix, its process group) is killed and run
// returns ctx's error.
func run(ctx context.Context, bin string, extraEnv []string, args ...string) (output, error) {
	if err := ctx.Err(); err != nil {
		return output{}, err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if len(extraEnv) > 0 {
		cmd.Env = append(os.Environ(), extraEnv...)
	}
	setProcessGroup(cmd)
	// Do not wait forever for pipes held open by grandchildren.
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	out := output{stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	if ctx.Err() != nil {
		return out, ctx.Err()
	}
	if err != nil {
		return out, fmt.Errorf("%s: %w%s", baseName(bin), err, lastLine(string(out.stderr)))
	}
	return out, nil
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// lastLine returns ": " + the last non-empty line of s, or "".
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return ": " + strings.TrimSpace(s)
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
