package translate

import (
	"encoding/json"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// OpenAI takes an image data URL that names its type image/jpg (the file
// extension, not the media type), in capitals, or wrongly (a JPEG sent as
// image/png); Anthropic takes only image/jpeg, image/png, image/gif and
// image/webp, spelled so and matching the bytes, and refuses the request
// otherwise. The translated image names the media type of its bytes when
// they are one of those four, else the given one as Anthropic spells it.
func TestRequestImageMediaTypeAsAnthropicSpellsIt(t *testing.T) {
	const (
		jpeg = "/9j/4AAQSkZJRgABAQ"       // FF D8 FF E0
		png  = "iVBORw0KGgoAAAANSUhEUg"   // 89 50 4E 47 0D 0A 1A 0A
		gif  = "R0lGODlhAQABAIAAAP"       // GIF89a
		webp = "UklGRiQAAABXRUJQVlA4IBgA" // RIFF....WEBPVP8
		odd  = "AAAAAAAA"                 // no known signature
	)
	for _, tc := range []struct{ given, data, want string }{
		{"image/jpg", jpeg, "image/jpeg"},
		{"image/png", jpeg, "image/jpeg"},
		{"image/jpeg", png, "image/png"},
		{"image/png", gif, "image/gif"},
		{"image/jpeg", webp, "image/webp"},
		{"image/JPEG", odd, "image/jpeg"},
		{"image/jpg", odd, "image/jpeg"},
		{"Image/PNG", odd, "image/png"},
		{"image/webp", webp, "image/webp"},
	} {
		given := tc.given
		body := `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is it?"},` +
			`{"type":"image_url","image_url":{"url":"data:` + given + `;base64,` + tc.data + `"}}]}]}`
		out, err := Request(wire.OpenAI, wire.Anthropic, []byte(body), "claude")
		if err != nil {
			t.Fatalf("%s: %v", given, err)
		}
		var req struct {
			Messages []struct {
				Content []struct {
					Type   string `json:"type"`
					Source struct {
						MediaType string `json:"media_type"`
						Data      string `json:"data"`
					} `json:"source"`
				} `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(out, &req); err != nil {
			t.Fatal(err)
		}
		img := req.Messages[0].Content[1]
		if img.Type != "image" || img.Source.MediaType != tc.want || img.Source.Data != tc.data {
			t.Errorf("%s of %s: image block %+v, want media_type %s", given, tc.data, img, tc.want)
		}
	}
}
