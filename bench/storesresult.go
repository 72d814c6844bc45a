package main

// storeRound is what one gateway's turn cost its store, beyond what
// roundResult records.
type storeRound struct {
	Round int `json:"round"`
	// Attempts is the gateway's upstream attempts per request of the turn.
	Attempts float64 `json:"attempts_per_request"`
	// RedisCPU is the CPU time of the redis-server process in the turn.
	RedisCPU float64 `json:"redis_cpu_seconds"`
	// Commands are the commands Redis ran in the turn (INFO commandstats).
	Commands     map[string]cmdStat `json:"redis_commands,omitempty"`
	StoreErrors  int                `json:"store_errors"`
	BreakerOpens int                `json:"breaker_opens"`

	rr               roundResult
	s                *sample
	attSum, attCount float64
}

// storeResult is one gateway (one store) in one scenario, all rounds
// together.
type storeResult struct {
	systemResult
	Attempts      float64            `json:"attempts_per_request"`
	RedisCPU      float64            `json:"redis_cpu_seconds"`
	RedisCPUPer1k float64            `json:"redis_cpu_seconds_per_1k"`
	Commands      map[string]cmdStat `json:"redis_commands,omitempty"`
	// ScriptsPerReq counts the store's script runs per request: its round
	// trips for breaker, cool-down and budget state.
	ScriptsPerReq float64 `json:"redis_script_runs_per_request"`
	// CallsPerReq counts every command Redis ran per request, the commands
	// that scripts run included.
	CallsPerReq  float64      `json:"redis_commands_per_request"`
	StoreErrors  int          `json:"store_errors"`
	BreakerOpens int          `json:"breaker_opens"`
	StoreRounds  []storeRound `json:"store_rounds"`

	attSum, attCount float64
}

// addTurn folds one turn into r.
func (r *storeResult) addTurn(sr storeRound) {
	r.add(sr.rr, *sr.s)
	sr.s = nil
	r.StoreRounds = append(r.StoreRounds, sr)
	r.attSum += sr.attSum
	r.attCount += sr.attCount
	r.RedisCPU += sr.RedisCPU
	r.StoreErrors += sr.StoreErrors
	r.BreakerOpens += sr.BreakerOpens
	if r.Commands == nil {
		r.Commands = map[string]cmdStat{}
	}
	for k, v := range sr.Commands {
		c := r.Commands[k]
		c.Calls += v.Calls
		c.Usec += v.Usec
		r.Commands[k] = c
	}
}

// finish computes the aggregate figures.
func (r *storeResult) finish() {
	r.systemResult.finish()
	r.Attempts = ratio(r.attSum, r.attCount)
	if n := float64(r.Requests + r.Errors); n > 0 {
		r.RedisCPUPer1k = r.RedisCPU / (n / 1000)
		r.ScriptsPerReq = float64(scriptRuns(r.Commands)) / n
		r.CallsPerReq = float64(allCalls(r.Commands)) / n
	}
}

// storeScenarioResult is one chain measured on both stores.
type storeScenarioResult struct {
	Name   string         `json:"name"`
	Route  string         `json:"route"`
	Rate   int            `json:"rate"`
	Stores []*storeResult `json:"stores"`
}

// find returns the named store's result, or nil.
func (s *storeScenarioResult) find(name string) *storeResult { return findSystem(s.Stores, name) }

// storesReport is one run of the comparison.
type storesReport struct {
	origin
	Redis     string                 `json:"redis_version"`
	Command   string                 `json:"command"`
	Plan      storesPlanJSON         `json:"plan"`
	Scenarios []*storeScenarioResult `json:"scenarios"`
	Checks    []check                `json:"checks"`
}

// storesPlanJSON is the comparison's plan as recorded.
type storesPlanJSON struct {
	Rate        int     `json:"rate"`
	Rounds      int     `json:"rounds"`
	RoundSecond float64 `json:"round_seconds"`
	Warmup      float64 `json:"warmup_seconds"`
	LogLevel    string  `json:"lifeline_log_level"`
}

// newStoresReport describes the run.
func newStoresReport(p plan, f flags, redisVersion string, scs []*storeScenarioResult) *storesReport {
	return &storesReport{
		origin: newOrigin(), Redis: redisVersion, Command: runCommand(),
		Plan: storesPlanJSON{Rate: p.rates[0], Rounds: p.rounds, RoundSecond: p.duration.Seconds(),
			Warmup: p.warmup.Seconds(), LogLevel: f.logLevel},
		Scenarios: scs, Checks: storesChecks(scs),
	}
}

// redisAddedP50Target is the most the Redis store may add to the p50
// latency of a request that one attempt serves, on loopback.
const redisAddedP50Target = 0.3 // ms

// storesChecks evaluates the comparison's targets.
func storesChecks(scs []*storeScenarioResult) []check {
	var out []check
	for _, s := range scs {
		m, r := s.find(memoryStore), s.find(redisStore)
		if m == nil || r == nil {
			continue
		}
		if s.Route == routeName {
			d := r.Latency.P50 - m.Latency.P50
			out = append(out, check{"first target serves: Redis adds < 0.3 ms at p50 (loopback)",
				fmtMs(d) + " ms", d < redisAddedP50Target})
		}
		errs := m.Errors + r.Errors + m.StoreErrors + r.StoreErrors
		out = append(out, check{s.Name + ": no failed requests, no store errors",
			plural(errs, "error"), errs == 0})
	}
	return out
}
