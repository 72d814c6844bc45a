// Package fleet holds the multi-replica tests of the gateway: three
// gateways built from one lifeline.yaml by package setup, each with its own
// Redis store on one real redis-server (package redistest), in front of
// mock providers (package mock) that misbehave on demand.
//
// The tests check what the product promises a fleet:
//
//   - a breaker opened by the failures one replica saw holds for the
//     others, whose upstream calls stop at once (within the store's 250 ms
//     staleness bound);
//   - after the cool-down, exactly one half-open probe crosses the fleet,
//     however many replicas receive requests at that moment;
//   - a target cooling down after one replica saw a 429 too long to wait
//     for, or a spent quota, is skipped by the others without a call;
//   - retries one replica made spend the target's retry budget for all:
//     once it is empty, the others move on without retrying;
//   - a duplicate request with the same Idempotency-Key sent to another
//     replica while the first runs is answered from the first one's result,
//     byte for byte, streams included, with one upstream call in total;
//   - the drill: under steady load, redis-server is killed and restarted;
//     no request fails, every replica reports degraded on /readyz and in
//     lifeline_state_store_degraded while Redis is down, logs one line each
//     way, reconnects by itself, and shares state again afterwards.
//
// The drill prints its figures (requests, errors, latency percentiles
// before, during and after the outage, time to detect the outage and to
// recover) in the test log:
//
//	go test ./internal/fleet -run Drill -v
//	go test ./internal/fleet -run Drill -v -drill.rate=500 -drill.duration=60s
//
// Like every Redis test, these skip when redis-server is not on PATH,
// unless LIFELINE_REQUIRE_REDIS=1 (as in CI), where they fail instead.
package fleet
