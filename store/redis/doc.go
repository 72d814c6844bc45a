// Package redis is the state store that gateway replicas share: breakers,
// cool-downs, retry budgets and idempotency records kept in Redis, so that
// a breaker opened or a cool-down started by one replica holds for all.
// It passes the conformance suite of package store/storetest.
//
// # URLs
//
// New takes one of:
//
//	redis://[user:pass@]host:port[/db][?option=value…]    one server
//	rediss://[user:pass@]host:port[/db][?…]               one server over TLS
//	unix://[user:pass@]/path/to/redis.sock[?db=N]         one server on a socket
//	redis+sentinel://[user:pass@]host:port[,host:port…]/mastername[/db][?…]
//	rediss+sentinel://…                                   Sentinel, TLS to all nodes
//	redis+cluster://[user:pass@]host:port[,host:port…][?…]
//	rediss+cluster://…                                    Redis Cluster over TLS
//	host:port,host:port[,…]                               Redis Cluster seeds
//	host:port                                             one server
//
// Query options are go-redis's (dial_timeout, read_timeout, pool_size…, as
// redis.ParseURL, ParseFailoverURL and ParseClusterURL read them). For
// Sentinel, the user and password authenticate to the master and its
// replicas; the query options sentinel_username and sentinel_password to the
// sentinels; a host without a port means 26379 (6379 in a cluster list).
// Errors never repeat the URL, which may hold a password.
//
// # Keys
//
// Every key and channel starts with the prefix (WithPrefix, default
// "lifeline:"). A target's state is one key, prefix+"target:{name}", holding
// a msgpack array (its layout may change between versions), written with a TTL (WithTargetTTL,
// default 24h, renewed on every write); prefix+"target:{name}:undone:id"
// marks an undone admission (see Half-open probes) for the probe lease, at
// least a minute. An
// idempotency record is one hash, prefix+"idem:{key}": the in-flight marker
// (fingerprint and owner token) expires with the claim lease unless its
// owner renews it; the stored response with the record TTL. Wake-ups are
// published on prefix+"idem-wake". The recovery probe writes prefix+"probe"
// (in a cluster, prefix+"probe:{tag}", one per slot range). The braces are
// hash tags: in a cluster, all of one target's (or one record's) state
// lives in one slot, so every script touches a single slot.
//
// # Atomicity and round trips
//
// Each state change is one Lua script run (EVALSHA, falling back to EVAL
// when the server has not loaded the script yet): Admit, Report, Claim,
// Complete and Release are each atomic and one round trip. No lock is held
// across an upstream call: Admit and Report are separate steps, and a
// half-open probe is a counted admission with a lease, not a lock. The
// scripts are the state machines of packages breaker and budget, step for
// step (a differential test drives both with the same random sequences);
// they keep times to the microsecond.
//
// # The Admit cache and its staleness bound
//
// Every Admit and Report reply carries a snapshot of the target (breaker
// state, generation, open end, cool-down end and reason, and a version that
// every write bumps); the replica keeps the latest per target, stamped with
// the replica-clock time its request was sent. For WithCacheTTL (default
// 250 ms, at most 500 ms, 0 disables) after that stamp, Admit answers
// without a round trip when the snapshot settles it:
//
//   - a cool-down not yet over refuses with Cooling (cool-downs only grow,
//     so the refusal is right; its Until may miss an extension made
//     elsewhere meanwhile);
//   - an open breaker refuses with Open until its half-open time (nothing
//     changes an open breaker before then);
//   - a closed breaker admits a first attempt, for at most the breaker's
//     cool-down as well, so a stale snapshot never admits into a half-open
//     breaker.
//
// Retries (they need a budget token) and every half-open admission go to
// Redis: probe admission is exact across replicas, lost replies included
// (see Half-open probes). A steady stream of
// attempts therefore costs one round trip each (Report, whose reply
// refreshes the snapshot); an attempt after a quiet spell longer than the
// TTL costs two. The bound: a breaker opened, or a cool-down set, by any
// replica at server time T is seen by every other replica's Admit at the
// latest at T + WithCacheTTL (250 ms by default, within the 500 ms that the
// product promises). A ticket admitted from a stale snapshot is harmless:
// Report counts an outcome only in the generation its ticket names.
//
// # Time
//
// Scripts use the Now the caller passes, as the memory store does, not the
// server's clock: behaviour is that of the conformance suite, and tests
// drive time. The cost is that replica clocks must agree. A replica whose
// clock runs δ ahead sees cool-downs and open breakers end δ early, and
// places its outcomes δ later in the failure window; one behind refills the
// retry budget less (budgets never move time backwards) and, δ being a
// whole window or more, resets the window it writes to. Keep replicas on
// NTP: skews of a few milliseconds are immaterial against seconds-long
// windows and cool-downs. Idempotency leases and TTLs are server-side
// expiries (PEXPIRE) and do not depend on replica clocks.
//
// # Half-open probes
//
// Every Admit sent to Redis carries an id unique to the store and the
// call, and a probe admitted is recorded under it in the target's state. A
// neutral Report frees its own probe's slot by that id (the store keeps the
// ids of the probes it admitted). When an Admit's reply is lost — a
// timeout or a broken connection, where the script may still run when a
// stalled server resumes — or a probe admitted in Redis is reported on
// local state, or its Report is lost, nobody would report that probe to
// Redis, and its slot would refuse every replica until the probe lease ran
// out. The store queues the id instead and, once Redis serves again
// (before it switches back to shared state, and at once when it never
// left it), undoes it: the slot is freed if that probe holds it, and
// otherwise a tombstone keeps the admission, should it reach the server
// only then, from taking one. Nothing frees another probe's slot. Only the
// ids of a store's live probes and of its pending undos (at most 4096) are
// kept in memory.
//
// # Idempotency
//
// Claim sets the in-flight marker only if the key is absent and returns a
// random owner token; Complete and Release act only while that token still
// owns the key, so an owner whose lease ran out cannot overwrite or free a
// newer owner's claim. The marker lives in Redis for the claim lease
// (WithClaimLease, default 5s) or the caller's lease if shorter, and the
// store that holds it renews it, in one pipelined round trip per store
// every third of the claim lease, while the caller's lease runs and until
// Complete, Release or Close. A claim nobody renews frees its key within
// the claim lease: its owner's process died, or its Claim timed out (the
// caller claimed on local state) and the script ran when a stall ended.
// Duplicates therefore wait seconds, not the caller's lease, for a dead
// owner, and a failed request can be retried with its key. The price: a
// Redis stall longer than about two thirds of the claim lease lets a live
// owner's claim expire, and a duplicate arriving then runs again. Complete
// and Release publish the key on the wake channel; Await on any replica
// subscribes once per store, re-reads the key when the marker's TTL ends
// and at least every WithAwaitPoll (default 1s) in case a message was
// lost, and returns when the owner it saw is gone.
//
// # Failing open
//
// Each call has a deadline (WithTimeout, default 500 ms). When Redis cannot
// serve a call — a network error or timeout, or any error reply but those
// that point at a bug in the request — the store answers that call from an
// embedded memory store, and turns degraded: it logs one line
// (WithLogger), calls the WithStateChange function, answers every later
// call from the memory store too, and its Health method returns an error
// wrapping store.ErrUnavailable. A call that only hit its deadline, the
// connection otherwise fine (a timeout, as opposed to a refused, reset or
// closed connection or an error reply), degrades the store only when it is
// the third in a row on its server (in a cluster, its node) with no reply
// from that server in between: a host or server stalled for a moment does
// not switch a replica to local state. The calls before the third are
// answered from the memory store all the same, within their deadline, and
// counted in Stats.Timeouts; the store stays shared, and the next call
// goes to Redis. Calls that time out together count one each, so a
// network partition degrades the store as soon as three calls have timed
// out. A call cut by its caller's deadline or cancellation does not count,
// and New, which has not reached Redis yet, starts degraded after one
// timeout. The calls that count are those of the store's methods (Admit,
// Report, Status, Claim, Complete, Release, Await's reads, Health); the
// store's own background work (undoing a lost admission, renewing claims,
// the recovery probes, the clock check at start) is retried on its next
// run instead, and its timeouts count neither toward the three nor in
// Stats.Timeouts, though a reply to it starts the count again like any
// reply. Replies that mean
// an outage include a server that is loading, read-only after a failover,
// out of memory, busy, unable to persist (MISCONF), refusing the replica's
// credentials (NOAUTH, WRONGPASS, NOPERM; at start New returns these as
// an error: a mistake in the URL), or a cluster that is down; New
// tolerates the others as it tolerates an unreachable server. A generic ERR (a
// failing script), WRONGTYPE and CROSSSLOT are returned to the caller
// instead, and change nothing. Await calls waiting on Redis return nil, so
// their callers claim again, on local state. go-redis reconnects by
// itself; the store probes Redis with a small write every
// WithRecoverInterval (default 500 ms) — in a cluster, one write in every
// slot range, so that every shard must serve — and switches back (one log
// line, one state change) and drops its cached snapshots once two probes
// in a row succeed and the lost admissions are undone. An outage that
// starts within a minute of a recovery doubles the run of good probes
// needed (up to 64), so that a server or shard that comes and goes does
// not flip the store back and forth.
//
// A call answered from the memory store while the store stays shared is
// answered as a degraded call is: an Admit or Report whose script may
// still run when a stall ends is undone in Redis as soon as it serves (see
// Half-open probes); a Claim acquired there has a local token, so its
// Complete or Release go to local state, while the marker its script may
// have set in Redis, renewed by nobody, expires within the claim lease
// (the key's later calls on this replica stay local, see below); a
// Complete or Release of a Redis claim that timed out leaves the marker to
// expire within the claim lease (or to be written when the stall ends); an
// Await returns nil, so that its caller claims again; a renewal or undo
// that timed out is tried again on the maintenance loop's next run. The
// idempotency of such a key is that of a degraded replica: a duplicate
// that reaches another replica may run again.
//
// A key claimed on local state, be it while degraded or by a Claim that
// timed out, stays there for this replica: while its local claim lives
// (until Release, or its lease's end) and, once completed, while the
// response stored with it does (its record TTL), the key's later Claim
// and Await calls are answered from local state even when Redis answers,
// so that a duplicate that reaches this replica waits for the first
// request and replays its response. At most 100,000 such keys are kept,
// as many as the records local state keeps; past that, a key whose claim
// or record has ended goes first, then the completed one whose record ends
// soonest goes to Redis again (a key whose request still runs, the one
// claimed first, only when none is completed: its duplicates are the
// likeliest to come), in constant time.
//
// A key this replica claimed in Redis is kept for it too: a Claim of the
// key answered from local state (it timed out, or the store is degraded)
// while that claim lives finds it mirrored there, in flight, and waits for
// it; and a Complete that could not reach Redis, or whose claim was
// mirrored, or made while degraded (Redis may take it before the recovery
// probes switch back), stores the response on local state as well, so that a
// duplicate that reaches this replica replays it rather than running again
// once the unrenewed marker expires.
//
// What a replica learns on local state during an outage stays local: its
// breakers, cool-downs and budgets are not merged into Redis on recovery
// (the shared state, possibly updated by replicas that kept their
// connection, wins) and are used again, as they then stand, in the next
// outage. Idempotency claims made locally are completed or released
// locally even after recovery (their tokens say so); meanwhile Redis does
// not know them, so a duplicate that arrives after recovery at another
// replica is served again, while one that reaches this replica waits for
// or replays the first (see above). Claims made in Redis before the
// outage are completed or released in Redis even while degraded, as soon
// as it answers again; those that find it unreachable expire within the
// claim lease. A ticket admitted on one side of a transition and reported
// on the other counts only if the generation it names matches there.
package redis
