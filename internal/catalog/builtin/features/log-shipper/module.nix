# shoal catalog: log-shipper
# Options set (checked against the NixOS options index by catalog_test.go):
#   environment.etc."alloy/config.alloy".text
# Alloy reads the journal and pushes to the URL in SHOAL_LOKI_URL, which the
# generator sets (systemd.services.alloy.environment) from [services.logs].
# The configuration is a module because it interpolates the max_age setting.
{ config, lib, ... }:
let
  cfg = config.shoal.features.log-shipper;
in
{
  environment.etc."alloy/config.alloy".text = ''
    loki.relabel "journal" {
      forward_to = []

      rule {
        source_labels = ["__journal__systemd_unit"]
        target_label  = "unit"
      }
      rule {
        source_labels = ["__journal__hostname"]
        target_label  = "host"
      }
      rule {
        source_labels = ["__journal_priority_keyword"]
        target_label  = "level"
      }
    }

    loki.source.journal "journal" {
      max_age       = "${cfg.max_age}"
      relabel_rules = loki.relabel.journal.rules
      labels        = { job = "systemd-journal" }
      forward_to    = [loki.write.fleet.receiver]
    }

    loki.write "fleet" {
      endpoint {
        url = sys.env("SHOAL_LOKI_URL")
      }
    }
  '';
}
