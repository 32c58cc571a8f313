// Package tomltree parses TOML into a tree whose every key and value keeps
// its byte range in the source. It is the only package that touches go-toml's
// unstable parser.
//
// Parse never panics on any input: syntax errors, invalid UTF-8, duplicate
// keys and tables, and redefinitions become diagnostics with positions. A Doc
// is also a diag.Locator, so validators can emit paths and let
// diag.List.Correlate find their line and column.
package tomltree
