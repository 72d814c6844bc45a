package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
)

// remoteStore answers Status after a network round trip, as a state
// store across the network (Redis) does.
type remoteStore struct {
	*memory.Store
	rtt time.Duration
}

func (s remoteStore) Status(ctx context.Context, target string, q store.StatusQuery) (store.TargetStatus, error) {
	select {
	case <-time.After(s.rtt):
	case <-ctx.Done():
		return store.TargetStatus{}, ctx.Err()
	}
	return s.Store.Status(ctx, target, q)
}

// manyTargets serves 500 routes of 4 targets each (2,000 targets) over a
// store whose every Status takes 2ms: two round trips to a Redis 1ms away.
func manyTargets(t *testing.T) (*gateway.Server, *prometheus.Registry) {
	t.Helper()
	p := &lifeline.Provider{Name: "p", Kind: openaiD.Kind, BaseURL: "http://upstream.invalid/v1", APIKey: openaiKey}
	routes := make([]gateway.RouteSpec, 500)
	for i := range routes {
		routes[i].Name = fmt.Sprintf("r%d", i)
		for j := range 4 {
			routes[i].Chain = append(routes[i].Chain, lifeline.Target{Provider: p, Model: fmt.Sprintf("m%d", 4*i+j)})
		}
	}
	mem := memory.New()
	t.Cleanup(func() { mem.Close() })
	reg := prometheus.NewRegistry()
	srv, err := gateway.New(gateway.Config{Routes: routes, Store: remoteStore{mem, 2 * time.Millisecond}, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.MarkReady()
	return srv, reg
}

func TestBreakerStateOfEveryTargetWithAStoreAcrossTheNetwork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, reg := manyTargets(t)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, mf := range mfs {
			if mf.GetName() == "lifeline_breaker_state" {
				n = len(mf.GetMetric())
			}
		}
		if n != 2000 {
			t.Errorf("lifeline_breaker_state has %d series, want one for each of the 2000 targets", n)
		}
	})
}

func TestStatusOfEveryTargetWithAStoreAcrossTheNetwork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, _ := manyTargets(t)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/status", nil))
		var out struct {
			Targets []struct {
				Target, State, Error string
			}
		}
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		failed := 0
		for _, tg := range out.Targets {
			if tg.Error != "" || tg.State != "closed" {
				failed++
			}
		}
		if len(out.Targets) != 2000 || failed > 0 {
			t.Errorf("/api/status has %d targets, %d of them without their state; want all 2000 with it", len(out.Targets), failed)
		}
	})
}
