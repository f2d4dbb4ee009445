// Package people turns the messages of a case into persons: it resolves
// addresses and display names into identities (conservatively, recording
// the evidence for every merge), applies the investigator's audited
// overrides (merge, split, rename, alias), keeps a registry of aliases and
// code names found in the text, detects mentions of known people, derives
// roles from signatures, and answers contact, graph, timeline and claim
// questions with citations to the messages' sources.
//
// Build streams every message of a store once and keeps no bodies:
//
//	d, err := people.Build(ctx, st, people.Options{})
//	p, err := d.Resolve("jonas.reyes@harbor.example")
//	c, err := d.Contacts(p.ID, other.ID, people.Filter{})
//	v, err := d.Claim(people.Claim{Kind: people.NoContactAfter, A: a, B: b, Date: "2009"})
//
// Rules, the person ID scheme and the edit log are documented in
// docs/people.md.
package people
