package people

import (
	"context"
	"fmt"
	"strings"

	"github.com/casefile/casefile/internal/store"
)

// Audit says who makes an identity edit and why.
type Audit struct {
	Actor  string
	Reason string
}

// InputError is a bad argument to an edit (exit code 2 in the CLI).
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

const maxEditKeys = 50

func (d *Directory) keysOf(p *Person) string {
	return strings.Join(first(d.MemberKeys(p), maxEditKeys), "\n")
}

func (d *Directory) record(ctx context.Context, st store.Store, e store.Edit, au Audit) (store.Edit, error) {
	if strings.TrimSpace(au.Actor) == "" {
		au.Actor = "unknown"
	}
	e.Actor, e.Reason = au.Actor, au.Reason
	out, err := st.AddEdit(ctx, e)
	if err != nil {
		return out, fmt.Errorf("people: record %s on %s: %w", e.Kind, e.Target, err)
	}
	return out, nil
}

// Merge records that persons a and b (references as for Resolve) are one
// person. The edit keeps both persons' member keys, so it still applies
// if their IDs change after new data arrives.
func (d *Directory) Merge(ctx context.Context, st store.Store, a, b string, au Audit) (store.Edit, error) {
	pa, err := d.Resolve(a)
	if err != nil {
		return store.Edit{}, err
	}
	pb, err := d.Resolve(b)
	if err != nil {
		return store.Edit{}, err
	}
	if pa == pb {
		return store.Edit{}, &InputError{fmt.Sprintf("%q and %q are already one person: %s (%s)", a, b, pa.Name, pa.ID)}
	}
	return d.record(ctx, st, store.Edit{Kind: EditMerge, Target: pa.ID,
		Data: map[string]string{"with": pb.ID, "keys": d.keysOf(pa), "with_keys": d.keysOf(pb)}}, au)
}

// Split records that the given addresses (or "name:…" members, or
// printed names) of a person belong to someone else: they become a new
// person together.
func (d *Directory) Split(ctx context.Context, st store.Store, id string, members []string, au Audit) (store.Edit, error) {
	p, err := d.Resolve(id)
	if err != nil {
		return store.Edit{}, err
	}
	mine := map[string]bool{}
	for _, k := range d.MemberKeys(p) {
		mine[k] = true
	}
	var keys []string
	for _, m := range members {
		k := memberKey(m)
		if !mine[k] {
			var have []string
			for _, x := range d.MemberKeys(p) {
				have = append(have, memberLabel(x))
			}
			return store.Edit{}, &InputError{fmt.Sprintf("%q is not an address or name of %s (%s); its members are: %s",
				m, p.Name, p.ID, strings.Join(have, ", "))}
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return store.Edit{}, &InputError{"name at least one address to split off"}
	}
	if len(keys) >= len(p.members) {
		return store.Edit{}, &InputError{fmt.Sprintf("that would move every address of %s; name only the ones that belong to someone else", p.Name)}
	}
	return d.record(ctx, st, store.Edit{Kind: EditSplit, Target: p.ID,
		Data: map[string]string{"members": strings.Join(keys, "\n"), "keys": d.keysOf(p)}}, au)
}

// memberKey turns a user's address or name into a member key.
func memberKey(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "name:"):
		return "n:" + parseName(s[5:]).key
	case strings.HasPrefix(s, "a:") || strings.HasPrefix(s, "n:"):
		return s
	case strings.Contains(s, "@"):
		a, _ := NormalizeAddress(s)
		return "a:" + a
	}
	return "n:" + parseName(s).key
}

// Rename records the name to show for a person.
func (d *Directory) Rename(ctx context.Context, st store.Store, id, name string, au Audit) (store.Edit, error) {
	p, err := d.Resolve(id)
	if err != nil {
		return store.Edit{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return store.Edit{}, &InputError{"the new name is empty"}
	}
	return d.record(ctx, st, store.Edit{Kind: EditRename, Target: p.ID, Value: name, Data: map[string]string{"keys": d.keysOf(p)}}, au)
}

// AddAlias records that an alias (code name, nickname) refers to a person.
func (d *Directory) AddAlias(ctx context.Context, st store.Store, id, alias string, au Audit) (store.Edit, error) {
	return d.aliasEdit(ctx, st, id, alias, "add", au)
}

// RemoveAlias withdraws an alias added with AddAlias.
func (d *Directory) RemoveAlias(ctx context.Context, st store.Store, id, alias string, au Audit) (store.Edit, error) {
	return d.aliasEdit(ctx, st, id, alias, "remove", au)
}

func (d *Directory) aliasEdit(ctx context.Context, st store.Store, id, alias, op string, au Audit) (store.Edit, error) {
	p, err := d.Resolve(id)
	if err != nil {
		return store.Edit{}, err
	}
	alias = strings.TrimSpace(alias)
	if aliasKey(alias) == "" {
		return store.Edit{}, &InputError{fmt.Sprintf("%q is not a usable alias: it needs at least one letter", alias)}
	}
	if a, ok := d.aliasBy[aliasKey(alias)]; ok && op == "add" && a.Person != nil && a.Person.ID != p.ID && hasKind(a, AliasInvestigator) {
		return store.Edit{}, &InputError{fmt.Sprintf("%q is already resolved to %s (%s); remove it there first (casefile people alias remove %s %q)",
			alias, a.Person.Name, a.Person.ID, a.Person.ID, alias)}
	}
	return d.record(ctx, st, store.Edit{Kind: EditAlias, Target: p.ID, Value: alias, Data: map[string]string{"op": op, "keys": d.keysOf(p)}}, au)
}

func hasKind(a *Alias, k string) bool {
	for _, x := range a.Kinds {
		if x == k {
			return true
		}
	}
	return false
}
