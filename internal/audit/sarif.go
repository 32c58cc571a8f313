package audit

import (
	"encoding/json"
	"io"
	"path/filepath"
)

// The subset of SARIF 2.1.0 audit writes: one run, the rules as the
// driver's reportingDescriptors, each finding a result with a physical
// location on the fleet file.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		Name                 string         `json:"name"`
		ShortDescription     sarifText      `json:"shortDescription"`
		FullDescription      sarifText      `json:"fullDescription"`
		Help                 sarifHelp      `json:"help"`
		DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
		Properties           sarifRuleProps `json:"properties"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifRuleProps struct {
		Tags []string `json:"tags"`
		// SecuritySeverity is GitHub code scanning's 0-10 score.
		SecuritySeverity string `json:"security-severity"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId"`
		RuleIndex int             `json:"ruleIndex"`
		Level     string          `json:"level"`
		Message   sarifText       `json:"message"`
		Locations []sarifLocation `json:"locations"`
		// PartialFingerprints let code scanning follow a finding when lines move.
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Properties          sarifResultProps  `json:"properties"`
	}
	sarifResultProps struct {
		Machine  string `json:"machine"`
		Severity string `json:"severity"`
		Fix      string `json:"fix"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
)

// level maps a severity to SARIF's result level.
func (s Severity) level() string {
	switch s {
	case High:
		return "error"
	case Medium:
		return "warning"
	}
	return "note"
}

// score is GitHub's security-severity: above 7 high, above 4 medium.
func (s Severity) score() string {
	switch s {
	case High:
		return "8.0"
	case Medium:
		return "5.0"
	}
	return "2.0"
}

// WriteSARIF writes the findings as a SARIF 2.1.0 log. File names are
// written as relative URIs with forward slashes, as code scanning expects
// paths from the repository's root.
func WriteSARIF(w io.Writer, findings []Finding) error {
	driver := sarifDriver{Name: "shoal audit", InformationURI: "https://github.com/shoal-nix/shoal"}
	index := map[string]int{}
	for i, r := range Rules {
		index[r.ID] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   r.ID,
			Name:                 r.Name,
			ShortDescription:     sarifText{Text: r.Summary},
			FullDescription:      sarifText{Text: r.Why},
			Help:                 sarifHelp{Text: "Why: " + r.Why + ".\nFix: " + r.Fix + ".", Markdown: "**Why:** " + r.Why + ".\n\n**Fix:** " + r.Fix + "."},
			DefaultConfiguration: sarifConfig{Level: r.Severity.level()},
			Properties:           sarifRuleProps{Tags: []string{"security"}, SecuritySeverity: r.Severity.score()},
		})
	}
	results := []sarifResult{}
	for _, f := range findings {
		loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: filepath.ToSlash(f.File)}}
		if f.Pos.Known() {
			loc.Region = &sarifRegion{StartLine: f.Pos.Line, StartColumn: f.Pos.Col}
		}
		results = append(results, sarifResult{
			RuleID:              f.Rule.ID,
			RuleIndex:           index[f.Rule.ID],
			Level:               f.Severity.level(),
			Message:             sarifText{Text: f.Message + ". Fix: " + f.Fix + "."},
			Locations:           []sarifLocation{{PhysicalLocation: loc}},
			PartialFingerprints: map[string]string{"shoalFinding/v1": f.Rule.ID + ":" + f.Machine + ":" + f.Path.String()},
			Properties:          sarifResultProps{Machine: f.Machine, Severity: f.Severity.String(), Fix: f.Fix},
		})
	}
	log := sarifLog{
		Schema:  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}
