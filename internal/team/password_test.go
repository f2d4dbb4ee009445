package team

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

var cheap = HashParams{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

var phcRe = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashAndVerify(t *testing.T) {
	h, err := HashPassword("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !phcRe.MatchString(h) || !strings.Contains(h, "m=1024,t=1,p=1") {
		t.Fatalf("hash %q is not PHC argon2id with the given parameters", h)
	}
	h2, _ := HashPassword("correct horse battery", cheap)
	if h == h2 {
		t.Fatal("two hashes of the same password are equal: salt not random")
	}
	other := cheap
	other.Iterations = 2
	tests := []struct {
		name       string
		pw         string
		hash       string
		want       HashParams
		ok, rehash bool
		wantErr    bool
	}{
		{"right password", "correct horse battery", h, cheap, true, false, false},
		{"second hash", "correct horse battery", h2, cheap, true, false, false},
		{"wrong password", "correct horse battery!", h, cheap, false, false, false},
		{"empty password", "", h, cheap, false, false, false},
		{"case matters", "Correct horse battery", h, cheap, false, false, false},
		{"old parameters need rehash", "correct horse battery", h, other, true, true, false},
		{"not argon2id", "x", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA", cheap, false, false, true},
		{"wrong version", "x", strings.Replace(h, "v=19", "v=16", 1), cheap, false, false, true},
		{"truncated", "x", h[:30], cheap, false, false, true},
		{"bad base64", "x", strings.Replace(h, "$", "$!", 4), cheap, false, false, true},
		{"unknown parameter", "x", strings.Replace(h, "p=1", "q=1", 1), cheap, false, false, true},
		{"absurd memory", "x", strings.Replace(h, "m=1024", "m=99999999", 1), cheap, false, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := VerifyPassword(tc.pw, tc.hash, tc.want)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if ok != tc.ok || rehash != tc.rehash {
				t.Fatalf("ok, rehash = %v, %v; want %v, %v", ok, rehash, tc.ok, tc.rehash)
			}
		})
	}
}

func TestParseHashRoundTrip(t *testing.T) {
	p := DefaultHashParams()
	p.Memory = 2048 // keep the test fast; the format is what matters
	h, err := HashPassword("a passphrase of words", p)
	if err != nil {
		t.Fatal(err)
	}
	got, salt, key, err := ParseHash(h)
	if err != nil {
		t.Fatal(err)
	}
	if got != p || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("ParseHash = %+v salt %d key %d; want %+v, 16, 32", got, len(salt), len(key), p)
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		pw string
		ok bool
	}{
		{"short", false},
		{"elevenchars", false},
		{"twelve chars", true},
		{"ééééééééééé", false}, // 11 characters, 22 bytes
		{"éééééééééééé", true},
		{strings.Repeat("x", MaxPasswordLen), true},
		{strings.Repeat("x", MaxPasswordLen+1), false},
	}
	for _, tc := range tests {
		err := CheckPassword(tc.pw)
		if (err == nil) != tc.ok {
			t.Errorf("CheckPassword(%.20q) = %v, want ok %v", tc.pw, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrWeakPassword) {
			t.Errorf("error %v does not wrap ErrWeakPassword", err)
		}
	}
}

// TestDefaultHashCost measures the default parameters on this machine
// (reported in docs/server.md).
func TestDefaultHashCost(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	start := time.Now()
	h, err := HashPassword("correct horse battery", DefaultHashParams())
	if err != nil {
		t.Fatal(err)
	}
	hashT := time.Since(start)
	start = time.Now()
	ok, _, err := VerifyPassword("correct horse battery", h, DefaultHashParams())
	if err != nil || !ok {
		t.Fatalf("verify: %v %v", ok, err)
	}
	t.Logf("argon2id m=64MiB t=3 p=2: hash %v, verify %v", hashT, time.Since(start))
}

func BenchmarkDefaultHash(b *testing.B) {
	p := DefaultHashParams()
	for b.Loop() {
		if _, err := HashPassword("correct horse battery", p); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Alice", "alice"},
		{"  dana.reporter@news.example ", "dana.reporter@news.example"},
		{"", ""},
		{"-leading", ""},
		{"has space", ""},
		{strings.Repeat("a", 65), ""},
		{"ünïcode", ""},
	}
	for _, tc := range tests {
		got, err := NormalizeName(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("NormalizeName(%q) = %q, want error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
