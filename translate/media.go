package translate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lifelinehq/lifeline/wire"
)

// Images and files: the media both dialects take in user content.

// PDF files are the one kind of file both dialects take inline: an OpenAI
// "file" part whose file_data is a base64 data URL, an Anthropic "document"
// block with a base64 source, whose only media type is application/pdf.
const (
	pdfMediaType = "application/pdf"
	// textMediaType is the one media type of a plain-text document source.
	textMediaType = "text/plain"
	// defaultFilename names a document without a title sent to OpenAI,
	// which requires a filename alongside file_data.
	defaultFilename = "document.pdf"
)

// fileToAnthropic turns the file of an OpenAI "file" part at where into a
// document block. Only inline PDF data has a counterpart: a file_id names a
// file stored at OpenAI, and other media types have no Anthropic document
// source.
func fileToAnthropic(f *oaFile, where string) (anBlock, error) {
	switch {
	case f == nil || f.FileID == "" && f.FileData == "":
		return anBlock{}, fmt.Errorf("%w: %s: file part without file_data or file_id", ErrInvalidRequest, where)
	case f.FileID != "":
		return anBlock{}, untranslatable(where, "file parts given by file_id have no Anthropic counterpart (the id names a file stored at OpenAI); send the file as file_data")
	}
	mediaType, data, ok := base64DataURL(f.FileData)
	if !ok {
		return anBlock{}, untranslatable(where, "file parts have an Anthropic counterpart only when file_data is a data:application/pdf;base64 URL")
	}
	if mediaType != pdfMediaType {
		return anBlock{}, untranslatable(where, fmt.Sprintf("file parts of media type %q have no Anthropic counterpart (PDF only)", mediaType))
	}
	return anBlock{Type: "document", Title: f.Filename,
		Source: &anSource{Type: "base64", MediaType: pdfMediaType, Data: data}}, nil
}

// documentToOpenAI turns an Anthropic document block at where into an
// OpenAI content part: a base64 PDF becomes a file part, a plain-text
// document a text part. A context, which neither part can carry, is
// refused; a PDF's citations setting is dropped.
func (o Options) documentToOpenAI(b anBlock, where string) (oaPart, error) {
	src := b.Source
	if src == nil {
		return oaPart{}, fmt.Errorf("%w: %s: document without source", ErrInvalidRequest, where)
	}
	if src.Type == "text" {
		return textDocumentToOpenAI(b, where)
	}
	if src.Type != "base64" {
		return oaPart{}, untranslatable(where, fmt.Sprintf("document blocks with a source of type %q have no OpenAI counterpart (base64 PDF or plain text only)", src.Type))
	}
	if src.MediaType != pdfMediaType {
		return oaPart{}, untranslatable(where, fmt.Sprintf("document blocks of media type %q have no OpenAI counterpart (PDF only)", src.MediaType))
	}
	if textOf(b.Context) != "" {
		return oaPart{}, untranslatable(where, "a document's context has no OpenAI counterpart")
	}
	if !isNull(b.Citations) {
		o.drop(where+".citations", wire.Anthropic, wire.OpenAI)
	}
	name := b.Title
	if name == "" {
		name = defaultFilename
	}
	return oaPart{Type: "file", File: &oaFile{Filename: name,
		FileData: "data:" + pdfMediaType + ";base64," + src.Data}}, nil
}

// textDocumentToOpenAI turns a plain-text document block at where into an
// OpenAI text part holding its data, after its title and a blank line when
// it has one. Citations, which cite passages of the document by position,
// and a context have no counterpart in a text part and are refused.
func textDocumentToOpenAI(b anBlock, where string) (oaPart, error) {
	if mt := b.Source.MediaType; mt != "" && mt != textMediaType {
		return oaPart{}, untranslatable(where, fmt.Sprintf("text document blocks of media type %q have no OpenAI counterpart (text/plain only)", mt))
	}
	if textOf(b.Context) != "" {
		return oaPart{}, untranslatable(where, "a document's context has no OpenAI counterpart")
	}
	if citationsEnabled(b.Citations) {
		return oaPart{}, untranslatable(where+".citations", "citations on a plain-text document have no OpenAI counterpart")
	}
	text := b.Source.Data
	if b.Title != "" {
		text = b.Title + "\n\n" + text
	}
	return oaPart{Type: "text", Text: &text}, nil
}

// citationsEnabled reports whether a document's citations setting,
// {"enabled": true|false} or absent, asks for citations; a setting of
// another shape is taken to ask for them.
func citationsEnabled(raw json.RawMessage) bool {
	var c struct {
		Enabled bool `json:"enabled"`
	}
	return !isNull(raw) && (json.Unmarshal(raw, &c) != nil || c.Enabled)
}

// base64DataURL splits "data:<media type>;base64,<data>".
func base64DataURL(u string) (mediaType, data string, ok bool) {
	rest, ok := strings.CutPrefix(u, "data:")
	if !ok {
		return "", "", false
	}
	meta, data, ok := strings.Cut(rest, ",")
	mediaType, isBase64 := strings.CutSuffix(meta, ";base64")
	if !ok || !isBase64 || mediaType == "" {
		return "", "", false
	}
	return mediaType, data, true
}

// imageSource turns an OpenAI image URL into an Anthropic image source:
// "data:<media type>;base64,<data>" becomes a base64 source, anything else
// with a scheme a url source.
func imageSource(u string) (*anSource, bool) {
	if strings.HasPrefix(u, "data:") {
		mediaType, data, ok := base64DataURL(u)
		if !ok {
			return nil, false
		}
		return &anSource{Type: "base64", MediaType: imageMediaType(mediaType, data), Data: data}, true
	}
	if !strings.Contains(u, "://") {
		return nil, false
	}
	return &anSource{Type: "url", URL: u}, true
}

// imageURL turns the source of the image block at where into an OpenAI
// image URL: a base64 source becomes a data URL, a url source its URL. A
// file source names a file stored at Anthropic and is refused.
func imageURL(src *anSource, where string) (string, error) {
	if src == nil {
		return "", fmt.Errorf("%w: %s: image without source", ErrInvalidRequest, where)
	}
	switch src.Type {
	case "base64":
		return "data:" + src.MediaType + ";base64," + src.Data, nil
	case "url":
		if src.URL == "" {
			return "", fmt.Errorf("%w: %s: image source without url", ErrInvalidRequest, where)
		}
		return src.URL, nil
	}
	return "", untranslatable(where, fmt.Sprintf("image blocks with a source of type %q have no OpenAI counterpart (base64 or url only)", src.Type))
}

// imageMediaType is the media type of a base64 image sent to Anthropic,
// which refuses any but image/jpeg, image/png, image/gif and image/webp
// spelled so, and an image whose bytes are of another of them than named,
// while OpenAI takes both: the type of the bytes when their signature is
// one of the four, else the given type in lower case, image/jpg as
// image/jpeg.
func imageMediaType(given, data string) string {
	var head [12]byte
	if len(data) >= 16 {
		n, _ := base64.StdEncoding.Decode(head[:], []byte(data[:16]))
		h := head[:n]
		switch {
		case bytes.HasPrefix(h, []byte("\xff\xd8\xff")):
			return "image/jpeg"
		case bytes.HasPrefix(h, []byte("\x89PNG\r\n\x1a\n")):
			return "image/png"
		case bytes.HasPrefix(h, []byte("GIF8")):
			return "image/gif"
		case len(h) == 12 && bytes.HasPrefix(h, []byte("RIFF")) && string(h[8:]) == "WEBP":
			return "image/webp"
		}
	}
	given = strings.ToLower(given)
	if given == "image/jpg" {
		return "image/jpeg"
	}
	return given
}
