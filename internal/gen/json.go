package gen

import (
	"bytes"
	"encoding/json"
)

// jsonWithCommentFirst renders v (a map) as indented JSON with its "//"
// key first, so the header leads the file.
func jsonWithCommentFirst(v map[string]any) ([]byte, error) {
	comment, _ := v["//"].(string)
	rest := make(map[string]any, len(v))
	for k, x := range v {
		if k != "//" {
			rest[k] = x
		}
	}
	body, err := json.MarshalIndent(rest, "", "  ")
	if err != nil {
		return nil, err
	}
	head, _ := json.Marshal(comment)
	var b bytes.Buffer
	b.WriteString("{\n  \"//\": ")
	b.Write(head)
	if len(rest) > 0 {
		b.WriteString(",\n")
		b.Write(bytes.TrimPrefix(body, []byte("{\n")))
	} else {
		b.WriteString("\n}")
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
