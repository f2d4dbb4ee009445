package people

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// Edit kinds stored in the case's edit log (store.Edit.Kind).
const (
	EditMerge  = "person.merge"  // Target: person ID; Data["with"]: the other person's ID
	EditSplit  = "person.split"  // Target: person ID; Data["members"]: addresses/names moved out, one per line
	EditRename = "person.rename" // Target: person ID; Value: the new name
	EditAlias  = "person.alias"  // Target: person ID; Value: the alias; Data["op"]: "add" (default) or "remove"
)

// Resolution rules named in Evidence.Rule (besides the address
// normalisation rules RulePlusTag, RuleGooglemail, RuleGmailDots).
const (
	RuleOCRVariant   = "ocr-variant"       // one misread character in the local part, same domain, same full display name, seen in a printed message
	RuleNameAddress  = "name-address"      // a name printed without address is the name consistently used with one address
	RuleInitialName  = "initial-name"      // "J. Reyes" without address, and exactly one "J… Reyes" in the case
	RuleSameName     = "same-display-name" // two addresses whose dominant display name is the same full name, corroborated by a shared correspondent or handles
	RuleSignature    = "signature-name"    // an address without display name signs its messages with a full name
	RuleInvestigator = "investigator"      // an edit from the case's edit log
)

// Alias kinds: how an alias was found.
const (
	AliasQuoted       = "quoted"       // a capitalised word or two in quotes: "Petie"
	AliasStated       = "stated"       // after aka / known as / nicknamed / code name / we call him
	AliasHonorific    = "honorific"    // Mr/Señor/Uncle before a word that is nobody's name: Mr Big
	AliasNickname     = "nickname"     // a nickname-shaped word used as a person: "Lefky says hello"
	AliasSalutation   = "salutation"   // the name a message greets its single recipient with
	AliasSignoff      = "signoff"      // the name a sender signs with
	AliasInvestigator = "investigator" // added with people alias add
)

// Alias statuses.
const (
	AliasResolved   = "resolved"   // attributed to a person by the investigator or by salutation/sign-off evidence
	AliasSuggested  = "suggested"  // the text suggests who it is; see Suggestions
	AliasUnresolved = "unresolved" // nothing in the case says who it is
)

// Stamp is a message date. In JSON it is RFC 3339 in UTC
// ("2008-03-04T14:15:00Z"), or, for a printed date without time zone
// (Local), the wall-clock time with no zone designator
// ("2012-02-05T20:01:00"), as everywhere in casefile. Time holds the wall
// clock as if UTC when Local is set.
type Stamp struct {
	time.Time
	Local bool
}

const localLayout = "2006-01-02T15:04:05"

// String formats the stamp as in JSON.
func (s Stamp) String() string {
	if s.Local {
		return s.Time.UTC().Format(localLayout)
	}
	return s.Time.UTC().Format(time.RFC3339)
}

// MarshalJSON implements json.Marshaler.
func (s Stamp) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads both forms written by MarshalJSON.
func (s *Stamp) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		*s = Stamp{Time: t.UTC()}
		return nil
	}
	t, err := time.ParseInLocation(localLayout, v, time.UTC)
	if err != nil {
		return fmt.Errorf("people: bad date %q: %w", v, err)
	}
	*s = Stamp{Time: t, Local: true}
	return nil
}

// Person is one resolved identity.
type Person struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Names     []string `json:"names"`     // display names as written, most used first
	Addresses []string `json:"addresses"` // normalised addresses, most used first
	Aliases   []string `json:"aliases"`   // resolved aliases and nicknames
	Roles     []Role   `json:"roles"`
	Sent      int      `json:"sent"`
	Received  int      `json:"received"`
	// Printed counts this person's messages recovered from printed pages.
	Printed int    `json:"printed"`
	First   *Stamp `json:"first"`
	Last    *Stamp `json:"last"`
	// Evidence lists why the person's addresses and names were joined,
	// and the investigator edits applied to it.
	Evidence []Evidence `json:"evidence"`
	// PossibleMatches are other persons that may be the same but were
	// not merged (ambiguous or uncorroborated); merge them by hand if the
	// investigator agrees.
	PossibleMatches []PossibleMatch `json:"possible_matches"`
	// Variants are the address spellings seen that normalise to one of
	// Addresses (case, plus-tags, googlemail).
	Variants []string `json:"variants,omitempty"`

	idx        int32
	members    []int32
	firstNames map[string]bool
	lastNames  map[string]bool
	fulls      []personName
	msgs       []int32 // messages sent or received, in date order
}

// Role is a title and/or organisation seen in the person's signatures.
type Role struct {
	Title        string `json:"title"`
	Organisation string `json:"organisation"`
	First        *Stamp `json:"first"`
	Last         *Stamp `json:"last"`
	Messages     int    `json:"messages"`
	FirstMessage string `json:"first_message"`
	LastMessage  string `json:"last_message"`
}

// Evidence is one reason two members of a person were joined, or one
// investigator edit.
type Evidence struct {
	Rule     string     `json:"rule"`
	Detail   string     `json:"detail"`
	Keys     []string   `json:"keys,omitempty"`     // the addresses/names joined
	Messages []string   `json:"messages,omitempty"` // example message IDs
	EditID   int64      `json:"edit_id,omitempty"`
	Actor    string     `json:"actor,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	At       *time.Time `json:"at,omitempty"`
}

// PossibleMatch is another person that may be the same one.
type PossibleMatch struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// PersonRef names a person in results.
type PersonRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// MessageRef is a message cited in a result, with every source it was
// found in.
type MessageRef struct {
	ID       string          `json:"id"`
	Date     *Stamp          `json:"date"`
	DateFlag string          `json:"date_flag,omitempty"`
	DateRaw  string          `json:"date_raw,omitempty"`
	Kind     string          `json:"kind"`
	From     model.Address   `json:"from"`
	To       []model.Address `json:"to"`
	Cc       []model.Address `json:"cc"`
	Bcc      []model.Address `json:"bcc,omitempty"`
	Subject  string          `json:"subject"`
	Sources  []model.Source  `json:"sources"`
}

// Filter restricts results to messages dated in [From, To). Zero values
// leave that side open. When either bound is set, undated messages are
// left out (they cannot be placed in the range).
type Filter struct {
	From, To time.Time
}

func (f Filter) active() bool { return !f.From.IsZero() || !f.To.IsZero() }

// Alias is one entry of the alias registry.
type Alias struct {
	Alias       string       `json:"alias"` // most used form
	Key         string       `json:"key"`
	Forms       []string     `json:"forms"`
	Kinds       []string     `json:"kinds"`
	Status      string       `json:"status"`
	Person      *PersonRef   `json:"person,omitempty"` // when resolved
	Uses        int          `json:"uses"`             // messages using it
	Messages    []AliasUse   `json:"messages"`
	Suggestions []Suggestion `json:"suggestions"`
	Evidence    []Evidence   `json:"evidence"`
}

// AliasUse is one message using an alias.
type AliasUse struct {
	ID       string `json:"id"`
	Date     *Stamp `json:"date"`
	Form     string `json:"form"`
	Sentence string `json:"sentence"`
}

// Suggestion is a statement in the case about who an alias is: a
// sentence ("Mr Big is Victor Lang") or greetings of one recipient. It is
// a lead with its citation, not a conclusion.
type Suggestion struct {
	Name     string     `json:"name"`             // who the text says it is, as written
	Person   *PersonRef `json:"person,omitempty"` // the case's person of that name, when exactly one
	Rule     string     `json:"rule"`
	Sentence string     `json:"sentence,omitempty"`
	Count    int        `json:"count"`
	Message  MessageRef `json:"message"` // the (first) message saying so, with sources
}

// Mention is a message that names a person who is not among its sender
// and recipients.
type Mention struct {
	ID    string `json:"id"`
	Date  *Stamp `json:"date"`
	Text  string `json:"text"`  // the words matched, normalised
	Match string `json:"match"` // name, honorific, alias
}

// AppliedEdit is an identity edit from the log and what became of it.
type AppliedEdit struct {
	store.Edit
	Status string `json:"status"` // applied, stale, no-op
	Note   string `json:"note,omitempty"`
}

// Candidate describes a person in an error message.
type Candidate struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
}

func (c Candidate) String() string {
	s := c.ID + " " + c.Name
	if len(c.Addresses) > 0 {
		s += " <" + c.Addresses[0] + ">"
	}
	return s
}

// NotFoundError says no person matches a reference. It unwraps to
// store.ErrNotFound.
type NotFoundError struct {
	Ref         string
	Suggestions []Candidate
}

func (e *NotFoundError) Error() string {
	s := fmt.Sprintf("no person in this case matches %q", e.Ref)
	if len(e.Suggestions) > 0 {
		var c []string
		for _, x := range e.Suggestions {
			c = append(c, x.String())
		}
		s += "; close matches: " + strings.Join(c, "; ")
	}
	return s + " (list everyone with: casefile people)"
}

func (e *NotFoundError) Unwrap() error { return store.ErrNotFound }

// AmbiguousError says a reference matches several persons. It unwraps
// to store.ErrAmbiguous.
type AmbiguousError struct {
	Ref        string
	Candidates []Candidate
}

func (e *AmbiguousError) Error() string {
	var c []string
	for _, x := range e.Candidates {
		c = append(c, x.String())
	}
	return fmt.Sprintf("%q matches %d people: %s; use a person ID or an address", e.Ref, len(e.Candidates), strings.Join(c, "; "))
}

func (e *AmbiguousError) Unwrap() error { return store.ErrAmbiguous }

// DateError says a date argument could not be read.
type DateError struct {
	Value string
}

func (e *DateError) Error() string {
	return fmt.Sprintf("cannot read the date %q: use YYYY, YYYY-MM, YYYY-MM-DD or an RFC 3339 time such as 2009-06-30T18:00:00Z", e.Value)
}

// ErrSamePerson is returned when a question needs two different persons.
var ErrSamePerson = errors.New("both references are the same person")
