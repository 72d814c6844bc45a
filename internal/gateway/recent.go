package gateway

import (
	"sync"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/classify"
)

// recentWindow is how far back /api/status counts outcomes.
const recentWindow = 5 * time.Minute

// recentOutcomes counts attempt outcomes per target in one-minute slots
// over the last five minutes.
type recentOutcomes struct {
	mu      sync.Mutex
	targets map[string]*outcomeSlots
}

type outcomeSlots struct {
	minute [5]int64 // the minute each slot counts (Unix minutes)
	counts [5][16]int64
}

func newRecentOutcomes() *recentOutcomes {
	return &recentOutcomes{targets: map[string]*outcomeSlots{}}
}

func (r *recentOutcomes) add(target string, c lifeline.Class, now time.Time) {
	if int(c) >= 16 {
		return
	}
	m := now.Unix() / 60
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.targets[target]
	if t == nil {
		t = &outcomeSlots{}
		r.targets[target] = t
	}
	i := m % 5
	if t.minute[i] != m {
		t.minute[i], t.counts[i] = m, [16]int64{}
	}
	t.counts[i][c]++
}

// counts returns the outcomes of target over the window, by class name.
func (r *recentOutcomes) counts(target string, now time.Time) map[string]int64 {
	out := map[string]int64{}
	m := now.Unix() / 60
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.targets[target]
	if t == nil {
		return out
	}
	for i := range t.minute {
		if m-t.minute[i] >= 5 {
			continue
		}
		for c, n := range t.counts[i] {
			if n > 0 {
				out[attemptLabel(classify.Class(c))] += n
			}
		}
	}
	return out
}
