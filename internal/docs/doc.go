// Package docs writes the Markdown reference of a fleet and the catalog it
// sees: a page per feature (built in and local), profile, fleet service and
// package collection, a page of the fleet (machines x features, tags,
// addresses), a reference of shoal.toml from its JSON Schema, the feature
// compatibility matrix and dependency graph, and a testing page. Every
// page is built from the same views as shoal show, and every link between
// pages resolves (a test holds it to that).
//
// The package is pure: Site returns the pages by path; the CLI writes them.
package docs
