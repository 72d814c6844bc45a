package compat_test

import (
	"slices"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// Both official SDKs list the gateway's routes with their own models.list
// and fetch one with models.retrieve: one answer shape serves both.
func TestSDKsListTheRoutes(t *testing.T) {
	e := newEnv(t)
	gw := faces[0]
	want := []string{"openai", "anthropic", "openai-then-anthropic"}

	var fromOpenAI []string
	oc := gw.openai(e, "")
	page := oc.Models.ListAutoPaging(t.Context())
	for page.Next() {
		fromOpenAI = append(fromOpenAI, page.Current().ID)
	}
	if err := page.Err(); err != nil {
		t.Fatal(err)
	}
	m, err := oc.Models.Get(t.Context(), "anthropic")
	if err != nil || m.ID != "anthropic" || m.OwnedBy != "lifeline" {
		t.Fatalf("openai models.retrieve: %+v, %v", m, err)
	}

	var fromAnthropic []string
	ac := gw.anthropic(e, "")
	apage := ac.Models.ListAutoPaging(t.Context(), anthropicModelListParams())
	for apage.Next() {
		info := apage.Current()
		if info.Type != "model" || info.DisplayName != info.ID || info.CreatedAt.IsZero() {
			t.Errorf("anthropic model info: id %q type %q display name %q created %v: want type model, a display name and a creation time",
				info.ID, info.Type, info.DisplayName, info.CreatedAt)
		}
		fromAnthropic = append(fromAnthropic, info.ID)
	}
	if err := apage.Err(); err != nil {
		t.Fatal(err)
	}
	got, err := ac.Models.Get(t.Context(), "openai", anthropicModelGetParams())
	if err != nil {
		t.Fatalf("anthropic models.retrieve: error %v", err)
	}
	if got.ID != "openai" || got.Type != "model" {
		t.Fatalf("anthropic models.retrieve: id %q type %q", got.ID, got.Type)
	}

	for _, ids := range [][]string{fromOpenAI, fromAnthropic} {
		for _, w := range want {
			if !slices.Contains(ids, w) {
				t.Errorf("listed %v, want every route (%v)", ids, want)
			}
		}
	}
}

func anthropicModelListParams() anthropic.ModelListParams { return anthropic.ModelListParams{} }

func anthropicModelGetParams() anthropic.ModelGetParams { return anthropic.ModelGetParams{} }
