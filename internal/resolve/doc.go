// Package resolve turns a fleet file and a catalog into a resolved fleet:
// for every machine, its profile, the features it has and why, every
// setting's value and where that value came from, its packages and ports.
//
// Resolution goes profile -> features -> requires closure (auto-enabled,
// with the reason kept) and layers settings catalog default < value derived
// from hardware < fleet defaults < profile < service option < machine. The
// fleet file's [services.NAME] tables are read against the catalog's
// services: a role's machines get the feature the role brings, and a
// service option that sets a feature setting ([services.backup] schedule =
// "daily" sets backup-client.schedule) is that setting's value on every
// machine with the feature. References
// that do not resolve (unknown profile, feature, setting) and values that do
// not fit a setting's type are reported as diagnostics; rules about the
// resolved result (conflicts, hardware, fleet-wide checks) belong to package
// validate.
//
// A resolved Fleet is immutable: nothing changes it after Resolve returns,
// and readers must not either.
package resolve
