package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/audit"
	"github.com/casefile/casefile/internal/team"
)

// writeCommands change a case; with an API token they need the editor
// role (or owner), every other command the reader role.
var writeCommands = map[string]bool{
	"casefile init": true, "casefile ingest": true, "casefile protect add": true, "casefile protect remove": true,
	"casefile people merge": true, "casefile people split": true, "casefile people rename": true,
	"casefile people alias add": true, "casefile people alias remove": true,
}

// authorizeCLI checks, in team mode with an API token (--token or
// CASEFILE_TOKEN), that the token's account may do this command on the
// case, and records the command in the audit log. A reader of case A
// asking for case B gets "not found", as on the web. Without a token the
// command runs with the database credentials, as the operator.
func (e *env) authorizeCLI(ctx context.Context) error {
	if e.db == "" || e.token == "" {
		return nil
	}
	schema := os.Getenv("CASEFILE_TEAM_SCHEMA")
	if schema == "" {
		schema = team.DefaultSchema
	}
	f := teamFlags{e: e, schema: schema}
	t, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer t.Close()
	p, err := e.tokenPrincipal(ctx, t)
	if err != nil {
		return err
	}
	action := team.ActionRead
	if writeCommands[e.cmdPath] {
		action = team.ActionWrite
	}
	if err := t.svc.Authorize(ctx, p, e.caseDir, action); err != nil {
		return err
	}
	_, err = t.log.Record(ctx, audit.Event{User: p.Name, UserID: p.UserID, Action: "cli", Case: e.caseDir,
		Details: map[string]any{"command": strings.TrimPrefix(e.cmdPath, "casefile "), "args": e.cmdArgs}})
	return err
}

// rememberCommand keeps the command's path and arguments for
// authorizeCLI.
func (e *env) rememberCommand(cmd *cobra.Command, args []string) {
	e.cmdPath, e.cmdArgs = cmd.CommandPath(), args
}

// tokenPrincipal authenticates the API token of --token (or
// CASEFILE_TOKEN).
func (e *env) tokenPrincipal(ctx context.Context, t *teamConn) (*team.Principal, error) {
	p, err := t.svc.AuthenticateToken(ctx, e.token)
	if err != nil {
		return nil, fmt.Errorf("the API token was refused (%w): ask an admin for a new one (casefile user token add)", err)
	}
	return p, nil
}
