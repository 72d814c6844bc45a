package redis_test

import (
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store/redis"
)

// A user whose ACL forbids scripts (every call of the store is one) is a
// mistake in the URL, found at start: New fails and says why. Were it
// taken for an outage, the store would switch between shared and local
// state with every call, since a plain write would pass its recovery check.
func TestUserWithoutScriptsIsRefusedAtStart(t *testing.T) {
	srv := redistest.Start(t)
	adm := admin(t, srv)
	if err := adm.Do(t.Context(), "ACL", "SETUSER", "lim", "on", ">s3cret-pw", "~*", "&*", "+@all", "-@scripting").Err(); err != nil {
		t.Fatal(err)
	}
	s, err := redis.New(t.Context(), "redis://lim:s3cret-pw@"+srv.Addr()+"/0", redis.WithPrefix(prefix()))
	if err == nil {
		s.Close()
		t.Fatal("New with a user that may not run scripts: no error")
	}
	if !strings.Contains(err.Error(), "NOPERM") || strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("New: %v, want NOPERM without the password", err)
	}
}
