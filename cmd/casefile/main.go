// Command casefile is an investigation engine for leaked email caches and
// document dumps. See README.md and docs/cli.md.
package main

import (
	"os"

	"github.com/casefile/casefile/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
