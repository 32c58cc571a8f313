// Package schema derives the JSON Schema (draft-07, which Taplo and most
// editors read) of shoal.toml from the fleet file's keys and the catalog a
// fleet sees: profile and feature names, every feature's settings with
// their types, and the roles and options of the fleet services. Editors
// with a TOML language server (Taplo, Even Better TOML) read it through a
// #:schema line for completion and inline errors; shoal check remains the
// authority, and reports what a schema cannot say (references between
// machines, feature conflicts, hardware needs).
package schema
