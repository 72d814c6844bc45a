package config

import "github.com/lifelinehq/lifeline"

// Secret is a credential from the configuration (a provider API key or a
// client key): lifeline.Secret, which redacts itself wherever it could be
// printed. Only Reveal returns the value.
type Secret = lifeline.Secret
