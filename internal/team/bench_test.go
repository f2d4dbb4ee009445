package team

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkAuthenticatedRequest measures what RequireAuth plus one
// Authorize cost per API request (two indexed lookups in PostgreSQL).
func BenchmarkAuthenticatedRequest(b *testing.B) {
	db := pgtestPoolB(b)
	f := newFixtureWith(b, db)
	alice := f.userB(b, "alice")
	if err := f.svc.Grant(f.admin, "alice", "harbor", RoleReader); err != nil {
		b.Fatal(err)
	}
	secret, _, err := f.svc.CreateToken(WithPrincipal(context.Background(), alice), "alice", "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	h := f.svc.HTTP(HTTPOptions{}).RequireAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		if err := f.svc.Authorize(r.Context(), p, "harbor", ActionRead); err != nil {
			WriteError(w, err)
		}
	}))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest("GET", "/cases/harbor/search", nil)
			r.Header.Set("Authorization", "Bearer "+secret)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}
