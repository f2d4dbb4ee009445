package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/people"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// peopleCommands are the identity, contact, graph, alias, claim and
// timeline commands (package people).
func peopleCommands(e *env) []*cobra.Command {
	return []*cobra.Command{cmdPeople(e), cmdPerson(e), cmdContacts(e), cmdGraph(e), cmdAliases(e), cmdClaim(e), cmdTimeline(e)}
}

// directory opens the case and builds its people directory.
func (e *env) directory(ctx context.Context) (*casedir.Case, *people.Directory, error) {
	c, err := e.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	d, err := e.buildDirectory(ctx, c)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, d, nil
}

// buildDirectory reads the whole case to resolve its people, and saves
// the people index when the case has none current, so that contacts
// questions need not read the case again until it changes.
func (e *env) buildDirectory(ctx context.Context, c *casedir.Case) (*people.Directory, error) {
	gen, err := c.Store.Generation(ctx)
	if err != nil {
		return nil, err
	}
	opts := people.Options{}
	if isTerminal(e.stderr) {
		opts.Progress = func(n int) { fmt.Fprintf(e.stderr, "\rcasefile: resolving people: %d messages read", n) }
	}
	d, err := people.Build(ctx, c.Store, opts)
	if opts.Progress != nil && d != nil && d.Messages() >= 10000 {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	if err != nil {
		return nil, err
	}
	if _, err := people.OpenIndex(ctx, c.Store); errors.Is(err, people.ErrNoIndex) {
		if err := people.SaveIndex(ctx, c.Store, d, gen); err != nil {
			// The index only saves time; the answer stands without it.
			fmt.Fprintf(e.stderr, "casefile: warning: %v (the next contacts command will read the whole case again)\n", err)
		}
	}
	return d, nil
}

// peopleErr maps the people package's errors to exit codes.
func peopleErr(err error) error {
	var de *people.DateError
	var ie *people.InputError
	var ae *people.AmbiguousError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de), errors.As(err, &ie), errors.Is(err, people.ErrSamePerson):
		return withCode(ExitUsage, err)
	case errors.As(err, &ae):
		return withCode(ExitUsage, err)
	}
	return err
}

// dateRange reads --from/--to: --from takes the start of its period,
// --to the end (so --from 2008 --to 2008 is the whole year 2008).
func dateRange(from, to string) (people.Filter, error) {
	var f people.Filter
	if from != "" {
		s, _, err := people.ParsePeriod(from)
		if err != nil {
			return f, withCode(ExitUsage, fmt.Errorf("--from: %w", err))
		}
		f.From = s
	}
	if to != "" {
		_, t, err := people.ParsePeriod(to)
		if err != nil {
			return f, withCode(ExitUsage, fmt.Errorf("--to: %w", err))
		}
		f.To = t
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, usage("--from %s is not before --to %s", from, to)
	}
	return f, nil
}

func day(t *people.Stamp) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

// when formats a message date; a printed date without zone is marked *.
func when(t *people.Stamp) string {
	if t == nil {
		return "(no date)       "
	}
	s := t.UTC().Format("2006-01-02 15:04")
	if t.Local {
		return s + "*"
	}
	return s + " "
}

func dash(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ", ")
}

func cmdPeople(e *env) *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "people",
		Short: "List the people of the case (resolved identities), most active first",
		Long: `people lists every person casefile resolved from addresses and names
(native and printed messages), with sent and received counts. Identity
resolution is conservative and records its evidence (casefile person ID).
Overrule it with the subcommands; every edit is stored in the case with
who, when and why, and survives re-ingest. Rules: docs/people.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, d, err := e.directory(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			ps := d.People()
			if limit > 0 && len(ps) > limit {
				ps = ps[:limit]
			}
			if e.jsonOut {
				out := make([]personView, 0, len(ps))
				for _, p := range ps {
					out = append(out, personViewOf(p))
				}
				return writeJSON(e.stdout, out)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tSENT\tRECV\tFIRST\tLAST\tADDRESSES")
			for _, p := range ps {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", p.ID, p.Name, p.Sent, p.Received, day(p.First), day(p.Last), dash(p.Addresses))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 0, "show at most N people (0: all)")
	cmd.AddCommand(cmdPeopleMerge(e), cmdPeopleSplit(e), cmdPeopleRename(e), cmdPeopleAlias(e), cmdPeopleEdits(e))
	return cmd
}

// personView is the people --json element.
type personView struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Names     []string      `json:"names"`
	Addresses []string      `json:"addresses"`
	Aliases   []string      `json:"aliases"`
	Roles     []people.Role `json:"roles"`
	Sent      int           `json:"sent"`
	Received  int           `json:"received"`
	Printed   int           `json:"printed"`
	First     *people.Stamp `json:"first"`
	Last      *people.Stamp `json:"last"`
}

func personViewOf(p *people.Person) personView {
	return personView{ID: p.ID, Name: p.Name, Names: p.Names, Addresses: p.Addresses, Aliases: p.Aliases, Roles: p.Roles,
		Sent: p.Sent, Received: p.Received, Printed: p.Printed, First: p.First, Last: p.Last}
}

// editCmd runs one identity edit and prints the result.
func editCmd(e *env, cmd *cobra.Command, audit *people.Audit, needReason bool,
	run func(ctx context.Context, st store.Store, d *people.Directory) (store.Edit, error), show func(d *people.Directory, ed store.Edit) []string) error {
	ctx := cmd.Context()
	if needReason && strings.TrimSpace(audit.Reason) == "" {
		return usage("--reason is required: say why, it is kept with the edit for the audit trail")
	}
	c, d, err := e.directory(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	ed, err := run(ctx, c.Store, d)
	if err != nil {
		return peopleErr(err)
	}
	d2, err := e.buildDirectory(ctx, c) // after the edit; saves the index anew
	if err != nil {
		return err
	}
	var ps []*people.Person
	for _, id := range show(d2, ed) {
		if p, err := d2.Person(id); err == nil && !containsPerson(ps, p) {
			ps = append(ps, p)
		}
	}
	if e.jsonOut {
		out := struct {
			Edit   store.Edit       `json:"edit"`
			People []*people.Person `json:"people"`
		}{ed, ps}
		return writeJSON(e.stdout, out)
	}
	fmt.Fprintf(e.stdout, "recorded edit #%d (%s) by %s at %s\n", ed.ID, ed.Kind, ed.Actor, ed.At.UTC().Format(time.RFC3339))
	for _, p := range ps {
		fmt.Fprintf(e.stdout, "%s  %s  addresses: %s  aliases: %s\n", p.ID, p.Name, dash(p.Addresses), dash(p.Aliases))
	}
	return nil
}

func containsPerson(ps []*people.Person, p *people.Person) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

func auditFlags(cmd *cobra.Command, e *env, au *people.Audit, reasonHelp string) {
	cmd.Flags().StringVar(&au.Reason, "reason", "", reasonHelp)
	cmd.Flags().StringVar(&au.Actor, "actor", actor(), "who makes the edit (default $USER)")
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON")
}

func cmdPeopleMerge(e *env) *cobra.Command {
	var au people.Audit
	cmd := &cobra.Command{
		Use:   "merge A B --reason WHY",
		Short: "Record that two people are one (audited; survives re-ingest)",
		Long: `merge records that A and B (person IDs, addresses or names) are the same
person. The edit is stored in the case's edit log with --actor and --reason
and re-applied on every build, so it survives re-ingest.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return editCmd(e, cmd, &au, true, func(ctx context.Context, st store.Store, d *people.Directory) (store.Edit, error) {
				return d.Merge(ctx, st, args[0], args[1], au)
			}, func(d *people.Directory, ed store.Edit) []string { return []string{ed.Target, ed.Data["with"]} })
		},
	}
	auditFlags(cmd, e, &au, "why the two are the same person (required)")
	return cmd
}

func cmdPeopleSplit(e *env) *cobra.Command {
	var au people.Audit
	cmd := &cobra.Command{
		Use:   "split ID ADDRESS... --reason WHY",
		Short: "Record that some addresses of a person belong to someone else",
		Long: `split moves the listed addresses (or printed names, written name:NAME) of a
person into a new person of their own. Audited and kept across re-ingest.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return editCmd(e, cmd, &au, true, func(ctx context.Context, st store.Store, d *people.Directory) (store.Edit, error) {
				return d.Split(ctx, st, args[0], args[1:], au)
			}, func(d *people.Directory, ed store.Edit) []string {
				// Both sides: the moved members and what stays.
				ids := []string{ed.Target}
				for _, k := range strings.Split(ed.Data["members"]+"\n"+ed.Data["keys"], "\n") {
					if k != "" {
						ids = append(ids, people.NodeID(k))
					}
				}
				return ids
			})
		},
	}
	auditFlags(cmd, e, &au, "why these addresses are someone else (required)")
	return cmd
}

func cmdPeopleRename(e *env) *cobra.Command {
	var au people.Audit
	cmd := &cobra.Command{
		Use:   "rename ID NAME",
		Short: "Set the name shown for a person",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return editCmd(e, cmd, &au, false, func(ctx context.Context, st store.Store, d *people.Directory) (store.Edit, error) {
				return d.Rename(ctx, st, args[0], args[1], au)
			}, func(d *people.Directory, ed store.Edit) []string { return []string{ed.Target} })
		},
	}
	auditFlags(cmd, e, &au, "why (kept in the audit trail)")
	return cmd
}

func cmdPeopleAlias(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alias",
		Short: "Attribute an alias or code name to a person (add, remove)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usage("use: casefile people alias add ID ALIAS, or casefile people alias remove ID ALIAS")
		},
	}
	for _, op := range []string{"add", "remove"} {
		var au people.Audit
		sub := &cobra.Command{
			Use:   op + " ID ALIAS",
			Short: map[string]string{"add": "Record that ALIAS refers to the person", "remove": "Withdraw an alias added by hand"}[op],
			Args:  cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				return editCmd(e, cmd, &au, false, func(ctx context.Context, st store.Store, d *people.Directory) (store.Edit, error) {
					if op == "remove" {
						return d.RemoveAlias(ctx, st, args[0], args[1], au)
					}
					return d.AddAlias(ctx, st, args[0], args[1], au)
				}, func(d *people.Directory, ed store.Edit) []string { return []string{ed.Target} })
			},
		}
		auditFlags(sub, e, &au, "why (for example the sentence that identifies the alias)")
		cmd.AddCommand(sub)
	}
	return cmd
}

func cmdPeopleEdits(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "edits",
		Short: "List the identity edits of the case: who, when, why, and whether each still applies",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, d, err := e.directory(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			eds := d.Edits()
			if e.jsonOut {
				if eds == nil {
					eds = []people.AppliedEdit{}
				}
				return writeJSON(e.stdout, eds)
			}
			if len(eds) == 0 {
				fmt.Fprintln(e.stderr, "no identity edits recorded")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "#\tAT\tACTOR\tKIND\tTARGET\tARGUMENT\tSTATUS\tREASON")
			for _, x := range eds {
				arg := x.Value
				switch x.Kind {
				case people.EditMerge:
					arg = "with " + x.Data["with"]
				case people.EditSplit:
					var ls []string
					for _, k := range strings.Split(x.Data["members"], "\n") {
						ls = append(ls, people.MemberLabel(k))
					}
					arg = strings.Join(ls, ", ")
				case people.EditAlias:
					if x.Data["op"] == "remove" {
						arg = "remove " + arg
					}
				}
				st := x.Status
				if x.Note != "" {
					st += " (" + x.Note + ")"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.At.UTC().Format(time.RFC3339), x.Actor, x.Kind, x.Target, arg, st, x.Reason)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON")
	return cmd
}

func cmdPerson(e *env) *cobra.Command {
	var top int
	cmd := &cobra.Command{
		Use:   "person ID|ADDRESS|NAME",
		Short: "Show one person: addresses, names, aliases, roles, evidence, top contacts, activity",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, d, err := e.directory(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			pr, err := d.Profile(args[0], top)
			if err != nil {
				return peopleErr(err)
			}
			if e.jsonOut {
				return writeJSON(e.stdout, pr)
			}
			printProfile(e.stdout, pr)
			return nil
		},
	}
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON")
	cmd.Flags().IntVar(&top, "top", 10, "number of top contacts (0: all)")
	return cmd
}

func printProfile(w io.Writer, pr *people.Profile) {
	fmt.Fprintf(w, "%s  (%s)\n", pr.Name, pr.ID)
	fmt.Fprintf(w, "addresses   %s\n", dash(pr.Addresses))
	fmt.Fprintf(w, "names       %s\n", dash(pr.Names))
	fmt.Fprintf(w, "aliases     %s\n", dash(pr.Aliases))
	fmt.Fprintf(w, "messages    %d sent, %d received (%d printed), %s .. %s, %d undated\n", pr.Sent, pr.Received, pr.Printed, day(pr.First), day(pr.Last), pr.Undated)
	if len(pr.Roles) > 0 {
		fmt.Fprintln(w, "roles (from signatures)")
		for _, r := range pr.Roles {
			t := strings.Trim(r.Title+", "+r.Organisation, ", ")
			fmt.Fprintf(w, "  %s  %s .. %s  (%d messages; first %s, last %s)\n", t, day(r.First), day(r.Last), r.Messages, r.FirstMessage, r.LastMessage)
		}
	}
	if len(pr.Evidence) > 0 {
		fmt.Fprintln(w, "evidence")
		for _, ev := range pr.Evidence {
			fmt.Fprintf(w, "  [%s] %s", ev.Rule, ev.Detail)
			if ev.Actor != "" {
				fmt.Fprintf(w, " — by %s", ev.Actor)
				if ev.Reason != "" {
					fmt.Fprintf(w, ": %s", ev.Reason)
				}
			}
			if len(ev.Messages) > 0 {
				fmt.Fprintf(w, " (messages %s)", strings.Join(ev.Messages, ", "))
			}
			fmt.Fprintln(w)
		}
	}
	if len(pr.PossibleMatches) > 0 {
		fmt.Fprintln(w, "possibly the same as (not merged)")
		for _, m := range pr.PossibleMatches {
			fmt.Fprintf(w, "  %s  %s: %s\n", m.ID, m.Name, m.Reason)
		}
	}
	if len(pr.TopContacts) > 0 {
		fmt.Fprintln(w, "top contacts")
		tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		for _, c := range pr.TopContacts {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t(%d sent, %d received)\t%s .. %s\n", c.ID, c.Name, c.Total, c.Sent, c.Received, day(c.First), day(c.Last))
		}
		tw.Flush()
	}
	if len(pr.ActivityByMonth) > 0 {
		fmt.Fprintln(w, "activity by month")
		months := make([]string, 0, len(pr.ActivityByMonth))
		for m := range pr.ActivityByMonth {
			months = append(months, m)
		}
		sort.Strings(months)
		for _, m := range months {
			fmt.Fprintf(w, "  %s  %d\n", m, pr.ActivityByMonth[m])
		}
	}
	if pr.MentionCount > 0 {
		fmt.Fprintf(w, "mentioned in %d message(s) without taking part\n", pr.MentionCount)
		for _, m := range pr.Mentions {
			fmt.Fprintf(w, "  %s  %s  %q (%s)\n", day(m.Date), m.ID, m.Text, m.Match)
		}
	}
}

func cmdContacts(e *env) *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "contacts A B",
		Short: "Every message between two people: first, last, counts by year and month, direction",
		Long: `contacts lists the messages A sent to B and B sent to A (A and B: person
ID, address or name; an ambiguous name lists the candidates). Native and
printed messages both count. Dates are UTC; printed dates without a time
zone are counted by their wall clock and marked * in text output.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := dateRange(from, to)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			// The saved people index answers without reading the case;
			// without a current one, the directory is built (and the
			// index saved for next time).
			var ct *people.Contacts
			x, err := people.OpenIndex(ctx, c.Store)
			if err == nil {
				ct, err = x.Contacts(ctx, args[0], args[1], f)
			}
			if errors.Is(err, people.ErrNoIndex) {
				var d *people.Directory
				if d, err = e.buildDirectory(ctx, c); err != nil {
					return err
				}
				ct, err = d.Contacts(args[0], args[1], f)
			}
			if err != nil {
				return peopleErr(err)
			}
			if e.jsonOut {
				return writeJSON(e.stdout, ct)
			}
			printContacts(e.stdout, ct)
			return nil
		},
	}
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON")
	cmd.Flags().StringVar(&from, "from", "", "only messages from this date (YYYY, YYYY-MM, YYYY-MM-DD)")
	cmd.Flags().StringVar(&to, "to", "", "only messages up to the end of this date")
	return cmd
}

func printContacts(w io.Writer, c *people.Contacts) {
	fmt.Fprintf(w, "%s (%s) and %s (%s)\n", c.A.Name, c.A.ID, c.B.Name, c.B.ID)
	fmt.Fprintf(w, "total %d: %d from %s, %d from %s; %d native, %d printed, %d undated\n", c.Total, c.AToB, c.A.Name, c.BToA, c.B.Name, c.Native, c.Printed, c.Undated)
	if c.Total == 0 {
		return
	}
	fmt.Fprintf(w, "first %s   last %s\n", day(c.First), day(c.Last))
	years := make([]string, 0, len(c.ByYear))
	for y := range c.ByYear {
		years = append(years, y)
	}
	sort.Strings(years)
	var ys []string
	for _, y := range years {
		ys = append(ys, fmt.Sprintf("%s: %d", y, c.ByYear[y]))
	}
	if len(ys) > 0 {
		fmt.Fprintf(w, "by year  %s\n", strings.Join(ys, ", "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, m := range c.Messages {
		arrow := "A→B"
		if m.Direction == "b_to_a" {
			arrow = "B→A"
		}
		src := ""
		if len(m.Sources) > 0 {
			src = m.Sources[0].Path
			if len(m.Sources) > 1 {
				src += fmt.Sprintf(" (+%d)", len(m.Sources)-1)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, when(m.Date), arrow, m.Kind, m.Subject, src)
	}
	tw.Flush()
	fmt.Fprintln(w, "(* printed date without time zone; see casefile show ID for each source)")
}

func cmdGraph(e *env) *cobra.Command {
	var (
		format, from, to, output string
		minWeight                int
	)
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "Export who-wrote-to-whom as GEXF (Gephi), GraphML or JSON",
		Long: `graph writes the directed network of people: an edge A→B has as weight the
number of messages A sent with B among the recipients, and the first and
last dates of those messages. --from/--to keep only messages dated in the
range (undated ones are then left out); --min-weight drops weaker edges.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if e.jsonOut {
				format = "json"
			}
			switch format {
			case "gexf", "graphml", "json":
			default:
				return usage("unknown --format %q: use gexf, graphml or json", format)
			}
			if minWeight < 0 {
				return usage("--min-weight must not be negative")
			}
			f, err := dateRange(from, to)
			if err != nil {
				return err
			}
			c, d, err := e.directory(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			g := d.Graph(people.GraphFilter{Filter: f, MinWeight: minWeight})
			w := e.stdout
			if output != "" {
				fh, err := os.Create(output)
				if err != nil {
					return fmt.Errorf("cannot write the graph: %w", err)
				}
				defer fh.Close()
				w = fh
			}
			switch format {
			case "gexf":
				err = g.WriteGEXF(w)
			case "graphml":
				err = g.WriteGraphML(w)
			default:
				err = g.WriteJSON(w)
			}
			if err != nil {
				return err
			}
			if output != "" {
				fmt.Fprintf(e.stderr, "wrote %d people and %d edges to %s\n", len(g.Nodes), len(g.Edges), output)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "gexf", "gexf, graphml or json")
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "same as --format json")
	cmd.Flags().StringVar(&from, "from", "", "only messages from this date (YYYY, YYYY-MM, YYYY-MM-DD)")
	cmd.Flags().StringVar(&to, "to", "", "only messages up to the end of this date")
	cmd.Flags().IntVar(&minWeight, "min-weight", 1, "drop edges with fewer messages")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of stdout")
	return cmd
}

func cmdAliases(e *env) *cobra.Command {
	var status string
	cmd := &cobra.Command{
		Use:   "aliases",
		Short: "List aliases, code names and nicknames used in the text, with who they may be",
		Long: `aliases lists every alias found in message bodies (quoted nicknames, "aka"
and "known as" statements, Mr/Señor + a word that is nobody's name,
nickname-shaped words used as a person) and in salutations and sign-offs,
with the messages using it. A sentence that says who an alias is becomes a
suggestion with its citation; an alias nothing explains stays unresolved.
Attribute one with: casefile people alias add ID ALIAS.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch status {
			case "", people.AliasResolved, people.AliasSuggested, people.AliasUnresolved:
			default:
				return usage("unknown --status %q: use resolved, suggested or unresolved", status)
			}
			c, d, err := e.directory(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			out := []*people.Alias{}
			for _, a := range d.Aliases() {
				if status == "" || a.Status == status {
					out = append(out, a)
				}
			}
			if e.jsonOut {
				return writeJSON(e.stdout, out)
			}
			if len(out) == 0 {
				fmt.Fprintln(e.stderr, "no aliases found")
				return nil
			}
			for _, a := range out {
				fmt.Fprintf(e.stdout, "%s  [%s]  %d message(s)  %s", a.Alias, a.Status, a.Uses, strings.Join(a.Kinds, ","))
				if len(a.Forms) > 1 {
					fmt.Fprintf(e.stdout, "  forms: %s", strings.Join(a.Forms, ", "))
				}
				if a.Person != nil {
					fmt.Fprintf(e.stdout, "  → %s (%s)", a.Person.Name, a.Person.ID)
				}
				fmt.Fprintln(e.stdout)
				for _, u := range a.Messages {
					s := u.Sentence
					if s == "" {
						s = u.Form
					}
					fmt.Fprintf(e.stdout, "    %s  %s  %q\n", day(u.Date), u.ID, s)
				}
				for _, s := range a.Suggestions {
					who := s.Name
					if s.Person != nil {
						who += " (" + s.Person.ID + ")"
					}
					fmt.Fprintf(e.stdout, "    suggestion: %s — %s: %q, message %s\n", who, s.Rule, s.Sentence, s.Message.ID)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON")
	cmd.Flags().StringVar(&status, "status", "", "only resolved, suggested or unresolved aliases")
	return cmd
}

func cmdClaim(e *env) *cobra.Command {
	var (
		a, b, after, before, format string
		never                       bool
	)
	cmd := &cobra.Command{
		Use:   "claim --between A --and B (--no-contact-after DATE | --no-contact-before DATE | --never-wrote)",
		Short: "Check a claim about two people against the record, with cited evidence",
		Long: `claim checks one structured claim and answers contradicted, consistent or
insufficient, listing the messages that bear on it with their sources:

  --no-contact-after DATE   A and B had no contact after DATE (the end of
                            DATE: "after 2009" means from 2010-01-01 UTC)
  --no-contact-before DATE  A and B had no contact before DATE (its start)
  --never-wrote             A never wrote to B (To, Cc or Bcc)

DATE is YYYY, YYYY-MM, YYYY-MM-DD or an RFC 3339 time. "insufficient"
means the case cannot say: neither person has any message in the period,
or messages between them cannot be placed in time (undated, or a printed
date without time zone within 14 hours of the boundary). --format md
writes a short memo with citations.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if e.jsonOut {
				format = "json"
			}
			switch format {
			case "text", "json", "md":
			default:
				return usage("unknown --format %q: use text, json or md", format)
			}
			if a == "" || b == "" {
				return usage("name both people: --between A --and B")
			}
			var cl people.Claim
			n := 0
			if after != "" {
				cl, n = people.Claim{Kind: people.NoContactAfter, Date: after}, n+1
			}
			if before != "" {
				cl, n = people.Claim{Kind: people.NoContactBefore, Date: before}, n+1
			}
			if never {
				cl, n = people.Claim{Kind: people.NeverWrote}, n+1
			}
			if n != 1 {
				return usage("give exactly one claim: --no-contact-after DATE, --no-contact-before DATE or --never-wrote")
			}
			if cl.Date != "" {
				if _, _, err := people.ParsePeriod(cl.Date); err != nil {
					return peopleErr(err)
				}
			}
			cl.A, cl.B = a, b
			c, d, err := e.directory(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			v, err := d.Claim(cl)
			if err != nil {
				return peopleErr(err)
			}
			switch format {
			case "json":
				return writeJSON(e.stdout, v)
			case "md":
				_, err := io.WriteString(e.stdout, v.Markdown())
				return err
			}
			fmt.Fprintf(e.stdout, "claim:    %s\nverdict:  %s\nreason:   %s\n", v.Claim.Text, strings.ToUpper(v.Verdict), v.Reason)
			for _, ev := range v.Evidence {
				printEvidence(e.stdout, "evidence", ev)
			}
			if v.Nearest != nil {
				printEvidence(e.stdout, "nearest", *v.Nearest)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&a, "between", "", "person A (ID, address or name)")
	cmd.Flags().StringVar(&b, "and", "", "person B (ID, address or name)")
	cmd.Flags().StringVar(&after, "no-contact-after", "", "claim: no contact after DATE")
	cmd.Flags().StringVar(&before, "no-contact-before", "", "claim: no contact before DATE")
	cmd.Flags().BoolVar(&never, "never-wrote", false, "claim: A never wrote to B")
	cmd.Flags().StringVar(&format, "format", "text", "text, json or md (a cited memo)")
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "same as --format json")
	return cmd
}

func printEvidence(w io.Writer, label string, ev people.EvidenceMessage) {
	cert := ""
	if !ev.Certain {
		cert = "  [uncertain: " + ev.Note + "]"
	}
	fmt.Fprintf(w, "%-9s %s  %s  %s → %s  %q%s\n", label+":", ev.ID, when(ev.Date), ev.From.String(), addrs(append(append([]model.Address{}, ev.To...), ev.Cc...)), ev.Subject, cert)
	for _, s := range ev.Sources {
		fmt.Fprintf(w, "          source: %s\n", people.CiteSource(s))
	}
}

func cmdTimeline(e *env) *cobra.Command {
	var (
		q, from, to, format string
	)
	cmd := &cobra.Command{
		Use:   "timeline [PERSON] [--query QUERY]",
		Short: "Dated events of a person (messages, mentions, roles) or of a query, with citations",
		Long: `timeline lists, in date order, the messages a person sent and received,
the messages that mention them, and the first and last signatures showing
each role. With --query (or when PERSON matches nobody) it lists the
messages matching a search query instead. Undated messages come last.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if e.jsonOut {
				format = "json"
			}
			switch format {
			case "text", "json", "md":
			default:
				return usage("unknown --format %q: use text, json or md", format)
			}
			if (len(args) == 0) == (q == "") {
				return usage("give a PERSON or --query QUERY (one of them)")
			}
			f, err := dateRange(from, to)
			if err != nil {
				return err
			}
			c, d, err := e.directory(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			title := ""
			var evs []people.Event
			if q == "" {
				p, rerr := d.Resolve(args[0])
				var nf *people.NotFoundError
				switch {
				case errors.As(rerr, &nf):
					if _, perr := query.Parse(args[0]); perr != nil {
						return peopleErr(rerr)
					}
					fmt.Fprintf(e.stderr, "casefile: no person matches %q; listing messages matching it as a query\n", args[0])
					q = args[0]
				case rerr != nil:
					return peopleErr(rerr)
				default:
					title = fmt.Sprintf("Timeline of %s (%s)", p.Name, p.ID)
					if evs, err = d.Timeline(p.ID, f); err != nil {
						return peopleErr(err)
					}
				}
			}
			if q != "" {
				e.lastQuery = q
				title = fmt.Sprintf("Timeline of messages matching %s", q)
				if evs, err = queryTimeline(ctx, c.Store, q, f); err != nil {
					return err
				}
			}
			if evs == nil {
				evs = []people.Event{}
			}
			switch format {
			case "json":
				return writeJSON(e.stdout, evs)
			case "md":
				fmt.Fprintf(e.stdout, "# %s\n\n", title)
				for _, ev := range evs {
					fmt.Fprintf(e.stdout, "- **%s** — %s", when(ev.Date), ev.Summary)
					if ev.Message != nil {
						fmt.Fprintf(e.stdout, " (message `%s`)", ev.Message.ID)
						for _, s := range ev.Message.Sources {
							fmt.Fprintf(e.stdout, "\n  - Source: %s", people.CiteSource(s))
						}
					}
					fmt.Fprintln(e.stdout)
				}
				fmt.Fprintln(e.stdout, "\nDates are UTC; * marks a printed date without time zone (wall clock).")
				return nil
			}
			for _, ev := range evs {
				id := ""
				if ev.Message != nil {
					id = ev.Message.ID
				}
				fmt.Fprintf(e.stdout, "%s  %-16s %s  %s\n", when(ev.Date), ev.Kind, id, ev.Summary)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&q, "query", "", "a search query (docs/query.md) instead of a person")
	cmd.Flags().StringVar(&from, "from", "", "only events from this date (YYYY, YYYY-MM, YYYY-MM-DD)")
	cmd.Flags().StringVar(&to, "to", "", "only events up to the end of this date")
	cmd.Flags().StringVar(&format, "format", "text", "text, json or md")
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "same as --format json")
	return cmd
}

// queryTimeline lists the messages matching a query as events.
func queryTimeline(ctx context.Context, st store.Store, q string, f people.Filter) ([]people.Event, error) {
	node, err := query.Parse(q)
	if err != nil {
		return nil, err
	}
	var out, undated []people.Event
	err = st.Search(ctx, node, store.SearchOptions{Sort: "date"}, func(h store.Hit) error {
		m := h.Message
		if f.From.IsZero() && f.To.IsZero() || m.DateUTC != nil && (f.From.IsZero() || !m.DateUTC.Before(f.From)) && (f.To.IsZero() || m.DateUTC.Before(f.To)) {
			var date *people.Stamp
			if m.DateUTC != nil {
				date = &people.Stamp{Time: m.DateUTC.UTC(), Local: m.DateFlag == model.DateLocal}
			}
			ref := people.MessageRef{ID: m.ID, Date: date, DateFlag: m.DateFlag, DateRaw: m.DateRaw, Kind: m.Kind, From: m.From,
				To: nz(m.To), Cc: nz(m.Cc), Bcc: m.Bcc, Subject: m.Subject, Sources: nz(m.Sources)}
			ev := people.Event{Date: date, DateFlag: m.DateFlag, Kind: "message", Message: &ref,
				Summary: fmt.Sprintf("%q from %s to %s", m.Subject, m.From.String(), addrs(m.To))}
			if m.DateUTC == nil {
				undated = append(undated, ev)
			} else {
				out = append(out, ev)
			}
		}
		return nil
	})
	return append(out, undated...), err
}
