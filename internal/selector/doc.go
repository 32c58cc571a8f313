// Package selector picks machines of a fleet by the selectors colmena
// users know: a machine name, a glob over names (web-*, db?), or @TAG (the
// machines with that tag; the tag may be a glob too, @rack-*). Several
// selectors, as separate arguments or comma-separated in one, select the
// union of what each selects.
//
// Match promises that every selector selects at least one machine: one
// that selects nothing is an error naming it, with a "did you mean" when a
// machine name or tag is one typo away. It does no I/O.
package selector
