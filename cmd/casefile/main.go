// Command casefile is an investigation engine for leaked email caches and
// document dumps. See README.md and docs/cli.md.
//
// Setting CASEFILE_CPUPROFILE=FILE writes a CPU profile of the run (for
// performance work; see docs/benchmarks.md).
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/casefile/casefile/internal/cli"
)

func main() {
	if p := os.Getenv("CASEFILE_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			fmt.Fprintf(os.Stderr, "casefile: cpu profile: %v\n", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "casefile: cpu profile: %v\n", err)
			os.Exit(1)
		}
		code := cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		pprof.StopCPUProfile()
		f.Close()
		os.Exit(code)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
