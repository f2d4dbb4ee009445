package team

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// HashParams are the argon2id parameters of a password hash. They are
// stored in every hash (PHC string format), so changing the defaults
// never invalidates existing hashes; a successful login with a hash made
// under other parameters re-hashes the password with the current ones.
type HashParams struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLen     uint32 // bytes
	KeyLen      uint32 // bytes
}

// DefaultHashParams returns the default parameters. They follow RFC 9106
// §4's second recommended option (64 MiB, 3 passes), with parallelism 2
// to match a small server:
// about 125 ms per hash on the 2-core reference machine (see
// docs/server.md). The service bounds concurrent hashes to the number of
// CPUs, so a burst of logins costs at most NumCPU × 64 MiB.
func DefaultHashParams() HashParams {
	return HashParams{Memory: 64 * 1024, Iterations: 3, Parallelism: 2, SaltLen: 16, KeyLen: 32}
}

// Password length rules (NIST SP 800-63B: long passphrases allowed,
// no composition rules).
const (
	MinPasswordLen = 12   // characters
	MaxPasswordLen = 1024 // bytes; bounds the hashing work per attempt
)

// ErrWeakPassword is returned for passwords outside the length rules.
var ErrWeakPassword = errors.New("team: password rejected")

// CheckPassword enforces the length rules.
func CheckPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen {
		return fmt.Errorf("%w: it has %d characters, at least %d are needed (a passphrase of several words works well)", ErrWeakPassword, n, MinPasswordLen)
	}
	if len(pw) > MaxPasswordLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrWeakPassword, MaxPasswordLen)
	}
	return nil
}

func (p HashParams) valid() error {
	switch {
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > 4<<20:
		return fmt.Errorf("argon2id memory %d KiB out of range", p.Memory)
	case p.Iterations < 1 || p.Iterations > 100:
		return fmt.Errorf("argon2id iterations %d out of range", p.Iterations)
	case p.Parallelism < 1:
		return errors.New("argon2id parallelism must be at least 1")
	case p.SaltLen < 8 || p.SaltLen > 64:
		return fmt.Errorf("argon2id salt length %d out of range", p.SaltLen)
	case p.KeyLen < 16 || p.KeyLen > 64:
		return fmt.Errorf("argon2id key length %d out of range", p.KeyLen)
	}
	return nil
}

var b64 = base64.RawStdEncoding

// HashPassword returns the argon2id hash of pw in PHC string format:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<key> (unpadded standard base64).
func HashPassword(pw string, p HashParams) (string, error) {
	if err := p.valid(); err != nil {
		return "", fmt.Errorf("team: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("team: reading random salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ParseHash decodes a PHC argon2id string into its parameters, salt and key.
func ParseHash(encoded string) (HashParams, []byte, []byte, error) {
	var p HashParams
	f := strings.Split(encoded, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return p, nil, nil, errors.New("team: not an argon2id PHC hash")
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("team: unsupported argon2 version %q", f[2])
	}
	for _, kv := range strings.Split(f[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return p, nil, nil, fmt.Errorf("team: bad argon2id parameter %q", kv)
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Iterations = uint32(n)
		case "p":
			if n > 255 {
				return p, nil, nil, fmt.Errorf("team: bad argon2id parallelism %d", n)
			}
			p.Parallelism = uint8(n)
		default:
			return p, nil, nil, fmt.Errorf("team: unknown argon2id parameter %q", k)
		}
	}
	salt, err := b64.DecodeString(f[4])
	if err != nil {
		return p, nil, nil, errors.New("team: bad argon2id salt encoding")
	}
	key, err := b64.DecodeString(f[5])
	if err != nil {
		return p, nil, nil, errors.New("team: bad argon2id key encoding")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.valid(); err != nil {
		return p, nil, nil, fmt.Errorf("team: %w", err)
	}
	return p, salt, key, nil
}

// VerifyPassword reports whether pw matches the PHC hash encoded, using
// a constant-time comparison. rehash is true when the hash was made with
// parameters other than want and should be replaced after a successful
// login.
func VerifyPassword(pw, encoded string, want HashParams) (ok, rehash bool, err error) {
	p, salt, key, err := ParseHash(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, p != want, nil
}
