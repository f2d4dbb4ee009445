//go:build !unix

package ocr

import "os/exec"

// setProcessGroup is a no-op where process groups do not exist;
// exec.CommandContext still kills the direct child on cancellation.
func setProcessGroup(cmd *exec.Cmd) {}
