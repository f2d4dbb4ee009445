package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/casedir"
)

func cmdInit(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create a new, empty case folder",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var c *casedir.Case
			var err error
			if e.db != "" {
				c, err = e.openCase(cmd.Context(), true)
			} else {
				c, err = casedir.Init(cmd.Context(), e.caseDir)
			}
			if err != nil {
				return err
			}
			defer c.Close()
			fmt.Fprintf(e.stdout, "created case %s\nnext: casefile ingest --case %s PATH\n", e.caseDir, e.caseDir)
			return nil
		},
	}
}
