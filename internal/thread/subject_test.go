package thread

import "testing"

func TestBaseSubject(t *testing.T) {
	tests := []struct {
		in, want string
		refwd    bool
	}{
		// RFC 5256 section 2.1 forms.
		{"foo", "foo", false},
		{"FOO", "foo", false},
		{"re: foo", "foo", true},
		{"Re: foo", "foo", true},
		{"rE: foo", "foo", true},
		{"Re:foo", "foo", true},
		{"Re:   foo", "foo", true},
		{"Fw: foo", "foo", true},
		{"FWD: foo", "foo", true},
		{"Re: Re: Fwd: foo", "foo", true},
		{"Re:Re:foo", "foo", true},
		{"Re[2]: foo", "foo", true},
		{"Re [3] : foo", "foo", true},
		{"Re: [blob] foo", "foo", true},
		{"[blob] Re: foo", "foo", true},
		{"[blob]Re: foo", "foo", true},
		{"[list] foo", "foo", false},
		{"[a] [b] foo", "foo", false},
		{"[foo]", "[foo]", false},
		{"[blob] [foo]", "[foo]", false},
		{"foo (fwd)", "foo", true},
		{"foo (FWD) (fwd)", "foo", true},
		{"[fwd: foo]", "foo", true},
		{"[Fwd: Re: foo]", "foo", true},
		{"re: [fwd: foo] (fwd)", "foo", true},
		{"[fwd: [list] foo]", "foo", true},
		{"[fwd: [fwd: foo]]", "foo", true},
		{"  foo \t  bar\r\n baz  ", "foo bar baz", false},
		{"Re: ", "", true},
		{"", "", false},
		{"Re", "re", false},
		{"Reminder: foo", "reminder: foo", false},
		{"Return of the budget", "return of the budget", false},
		{"Fwdx: foo", "fwdx: foo", false},
		{"foo re: bar", "foo re: bar", false},
		{"[unclosed foo", "[unclosed foo", false},
		// Localised prefixes.
		{"AW: Vertrag", "vertrag", true},
		{"WG: AW: Vertrag", "vertrag", true},
		{"SV: Möte", "möte", true},
		{"VS: Møde", "møde", true},
		{"RIF: contratto", "contratto", true},
		{"R: contratto", "contratto", true},
		{"RE : contrat", "contrat", true},
		{"TR: RE : contrat", "contrat", true},
		{"Antw: offerte", "offerte", true},
		{"Doorst: offerte", "offerte", true},
		{"回复: 合同", "合同", true},
		{"答复：合同", "合同", true},
		{"转发: 回复: 合同", "合同", true},
		{"RV: contrato", "contrato", true},
		{"ENC: contrato", "contrato", true},
		{"Odp: umowa", "umowa", true},
		{"aw:Vertrag", "vertrag", true},
		{"[harbor-l] AW: [Fwd: SV: Q3 Budget] (fwd)", "q3 budget", true},
		{"Re:\u00a0foo\u3000bar", "foo bar", true},
	}
	for _, tt := range tests {
		got, refwd := baseSubject(tt.in)
		if got != tt.want || refwd != tt.refwd {
			t.Errorf("baseSubject(%q) = %q, %v; want %q, %v", tt.in, got, refwd, tt.want, tt.refwd)
		}
		if b := BaseSubject(tt.in); b != got {
			t.Errorf("BaseSubject(%q) = %q, baseSubject gave %q", tt.in, b, got)
		}
	}
}

func TestIsGeneric(t *testing.T) {
	tests := []struct {
		base string
		want bool
	}{
		{"", true},
		{"hi", true},
		{"hello!", true},
		{"question?", true},
		{"(no subject)", true},
		{"fyi", true},
		{"update", true},
		{"ok", true},
		{"q3", true},
		{"?!", true},
		{"q3 budget", false},
		{"harbor lease", false},
		{"合同书", false},
		{"update on the lease", false},
	}
	for _, tt := range tests {
		if got := isGeneric(tt.base); got != tt.want {
			t.Errorf("isGeneric(%q) = %v, want %v", tt.base, got, tt.want)
		}
	}
}
