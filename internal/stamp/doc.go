// Package stamp lets shoal gen prove that it has nothing to do without
// checking and generating the fleet again.
//
// A stamp is written after a gen that left the flake exactly as generated.
// It remembers every input that run read, as the check pipeline read it
// through a Recorder (the fleet file, local features, the modules,
// overlays and other files the fleet refers to, the directories listed,
// and the files found missing), shoal's own identity (its executable and
// build), the identity of every generated file (genfs.Identity), and the
// warnings the run printed. A later gen that finds the same shoal, every
// input with the same content and every output verified as genfs.Verify
// verifies it (on Linux by a walk of its own, with one listing per
// directory and one fstatat per file, shared among the processors; a
// test holds it to Verify's answers) replays the warnings and reports the
// flake up to date.
//
// What it promises: a stamp is trusted only when every recorded input
// reads back identical (inputs are always hashed, never judged by time),
// and every output is unchanged by its settled fingerprint or by its
// content; anything it cannot tell (an access it does not record, an
// unreadable file, another shoal binary, a stamp in another format) makes
// the stamp useless, never wrong, and gen does the whole work. Stamps live
// in the user's cache directory, never beside the user's files.
package stamp
