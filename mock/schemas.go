package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/goccy/go-yaml"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
)

// Schema is a JSON schema document (JSON text). In a YAML config it is
// written as an inline mapping, or as a string holding the JSON.
type Schema []byte

// UnmarshalYAML reads a mapping or a string holding JSON.
func (s *Schema) UnmarshalYAML(b []byte) error {
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return err
	}
	if i := jsonscan.SkipSpace(j, 0); i < len(j) && j[i] == '"' {
		var text string
		if err := json.Unmarshal(j, &text); err != nil {
			return err
		}
		j = []byte(text)
	}
	var compact bytes.Buffer
	if json.Compact(&compact, j) == nil {
		j = compact.Bytes()
	}
	*s = Schema(j)
	return nil
}

// MarshalJSON returns the schema itself.
func (s Schema) MarshalJSON() ([]byte, error) {
	if len(s) == 0 {
		return []byte("null"), nil
	}
	return s, nil
}

// errSchemaNotObject reports a schema that is not a JSON object.
var errSchemaNotObject = errors.New("not a JSON object")

// check reports whether s is a JSON object.
func (s Schema) check() error {
	i := jsonscan.SkipSpace(s, 0)
	if !json.Valid(s) || i >= len(s) || s[i] != '{' {
		return errSchemaNotObject
	}
	return nil
}

// checkSchemas validates Config.Schemas.
func checkSchemas(m map[string]Schema) error {
	for model, s := range m {
		if err := s.check(); err != nil {
			return fmt.Errorf("mock: the schema of model %q is %w", model, err)
		}
	}
	return nil
}

// modelSchema turns a request that asks for plain text or any JSON object
// into one that asks for structured output under its model's schema in
// Config.Schemas, if the model has one.
func (s *Server) modelSchema(r *request) {
	if len(s.cfg.Schemas) == 0 || (r.kind != answerText && r.kind != answerJSONObject) || r.model == nil {
		return
	}
	if sch, ok := s.cfg.Schemas[unquote(r.model)]; ok {
		r.kind, r.schema = answerJSONSchema, sch
	}
}
