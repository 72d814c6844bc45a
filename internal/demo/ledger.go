package demo

import (
	"strings"

	"github.com/lifelinehq/lifeline/mock"
)

// ledgerCheck is the result of looking every served answer up in the
// ledger of the mock provider that produced it.
type ledgerCheck struct {
	checked int    // served answers looked up
	invalid int    // answers whose ledger entry says invalid: served as ok although invalid
	missing int    // answers with no entry in the serving provider's ledger
	calls   uint64 // requests the providers received
}

// checkLedgers looks each answer's id up in the ledger of the provider
// named by its X-Lifeline-Target ("provider/model").
func checkLedgers(p *Providers, answers []answer) ledgerCheck {
	byName := map[string]map[string]mock.Entry{
		p.Primary.Server.Config().Name: p.Primary.Server.LedgerIndex(),
		p.Backup.Server.Config().Name:  p.Backup.Server.LedgerIndex(),
	}
	l := ledgerCheck{calls: p.Primary.Server.Stats().Requests + p.Backup.Server.Stats().Requests}
	for _, a := range answers {
		l.checked++
		provider, _, _ := strings.Cut(a.target, "/")
		index := byName[provider]
		if index == nil || a.id == "" {
			l.missing++
			continue
		}
		e, found := index[a.id]
		switch {
		case !found:
			l.missing++
		case !e.Valid:
			l.invalid++
		}
	}
	return l
}
