package people

import (
	"fmt"
	"sort"
	"strings"
)

// Event kinds in a timeline.
const (
	EventSent      = "sent"            // the person sent a message
	EventReceived  = "received"        // the person received a message
	EventMentioned = "mentioned"       // a message names the person without involving them
	EventRoleFirst = "role-first-seen" // a signature shows a title/organisation for the first time
	EventRoleLast  = "role-last-seen"  // ... for the last time
)

// Event is one dated entry of a person's timeline, with the message it
// rests on.
type Event struct {
	Date     *Stamp      `json:"date"`
	DateFlag string      `json:"date_flag,omitempty"`
	Kind     string      `json:"kind"`
	Summary  string      `json:"summary"`
	Message  *MessageRef `json:"message,omitempty"`
}

// Timeline returns the person's events in date order (undated last):
// messages sent and received, mentions, and the first and last
// signatures showing each role.
func (d *Directory) Timeline(ref string, f Filter) ([]Event, error) {
	p, err := d.Resolve(ref)
	if err != nil {
		return nil, err
	}
	type ev struct {
		Event
		m *msgRec
	}
	var evs []ev
	add := func(kind, summary string, m *msgRec) {
		if !f.keep(m) {
			return
		}
		r := msgRef(m)
		evs = append(evs, ev{Event{Date: m.date, DateFlag: m.flag, Kind: kind, Summary: summary, Message: &r}, m})
	}
	for _, i := range p.msgs {
		m := d.msgs[i]
		if m.fromP == p.idx {
			add(EventSent, fmt.Sprintf("sent %q to %s", m.subject, d.names(m.rcptP)), m)
		} else {
			add(EventReceived, fmt.Sprintf("received %q from %s", m.subject, d.name(m.fromP)), m)
		}
	}
	byID := map[string]*msgRec{}
	for _, mn := range d.mentions[p.idx] {
		byID[mn.ID] = nil
	}
	for _, r := range p.Roles {
		byID[r.FirstMessage], byID[r.LastMessage] = nil, nil
	}
	for _, m := range d.msgs {
		if _, ok := byID[m.id]; ok {
			byID[m.id] = m
		}
	}
	for _, mn := range d.mentions[p.idx] {
		m := byID[mn.ID]
		add(EventMentioned, fmt.Sprintf("named as %q in %q from %s to %s", mn.Text, m.subject, d.name(m.fromP), d.names(m.rcptP)), m)
	}
	for _, r := range p.Roles {
		role := roleText(r)
		add(EventRoleFirst, "signature first shows "+role, byID[r.FirstMessage])
		if r.LastMessage != r.FirstMessage {
			add(EventRoleLast, "signature last shows "+role, byID[r.LastMessage])
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return msgLess(evs[i].m, evs[j].m) })
	out := make([]Event, len(evs))
	for i, e := range evs {
		out[i] = e.Event
	}
	return out, nil
}

func roleText(r Role) string {
	switch {
	case r.Title != "" && r.Organisation != "":
		return fmt.Sprintf("%q, %q", r.Title, r.Organisation)
	case r.Title != "":
		return fmt.Sprintf("%q", r.Title)
	}
	return fmt.Sprintf("%q", r.Organisation)
}

func (d *Directory) name(p int32) string {
	if p < 0 {
		return "(unknown)"
	}
	return d.people[p].Name
}

func (d *Directory) names(ps []int32) string {
	if len(ps) == 0 {
		return "(no recipients)"
	}
	var s []string
	for _, p := range first(ps, 3) {
		s = append(s, d.people[p].Name)
	}
	if len(ps) > 3 {
		s = append(s, fmt.Sprintf("%d more", len(ps)-3))
	}
	return strings.Join(s, ", ")
}
