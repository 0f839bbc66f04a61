"""Helpers for the policy tests: a compliant crafted product and a tiny governance repo on disk."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

from meshguard.config import Config, load_config
from meshguard.contracts.load import load_contract
from meshguard.contracts.model import Contract

PROJECT = Path(__file__).resolve().parents[1]
POLICIES = PROJECT / "src" / "meshguard" / "policy" / "pack"  # the built-in standard pack

COMPLIANT: dict[str, Any] = {
    "apiVersion": "v3.1.0",
    "kind": "DataContract",
    "id": "good",
    "name": "good",
    "version": "2.0.0",
    "status": "active",
    "domain": "test",
    "dataProduct": "good",
    "description": {"purpose": "Serve patient contact data to the appointment service"},
    "team": {
        "name": "care",
        "members": [{"username": "ana", "role": "owner"}, {"username": "dan", "role": "dpo"}],
    },
    "support": [{"channel": "#care", "url": "https://chat.example.com/care"}],
    "roles": [{"role": "clinical_reader", "access": "read", "firstLevelApprovers": "privacy-office"}],
    "servers": [
        {
            "server": "sample",
            "type": "local",
            "path": "data/good.csv",
            "format": "csv",
            "customProperties": [
                {"property": "region", "value": "eu-west-1"},
                {"property": "encryption", "value": "aes-256"},
            ],
        }
    ],
    "slaProperties": [
        {"property": "retention", "value": 5, "unit": "y"},
        {"property": "freshness", "value": 1, "unit": "d", "element": "patients.updated_at"},
    ],
    "schema": [
        {
            "name": "patients",
            "physicalType": "table",
            "properties": [
                {
                    "name": "patient_id",
                    "logicalType": "string",
                    "primaryKey": True,
                    "required": True,
                    "classification": "internal",
                    "description": "Patient key",
                    "quality": [{"metric": "nullValues", "mustBe": 0}],
                },
                {
                    "name": "email",
                    "logicalType": "string",
                    "classification": "restricted",
                    "tags": ["pii"],
                    "description": "Contact e-mail",
                },
                {
                    "name": "diagnosis",
                    "logicalType": "string",
                    "classification": "restricted",
                    "tags": ["phi"],
                    "encryptedName": "diagnosis_enc",
                    "description": "ICD-10 code",
                },
                {"name": "updated_at", "logicalType": "date", "description": "Last change"},
            ],
        }
    ],
}


def compliant() -> dict[str, Any]:
    return copy.deepcopy(COMPLIANT)


def prop(doc: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in doc["schema"][0]["properties"] if p["name"] == name)
    return found


def make_repo(
    root: Path, docs: dict[str, dict[str, Any]], *, config: str = "", waivers: str | None = None
) -> Path:
    """A governance repo: meshguard.yaml, contracts/<name>.odcs.yaml, the project's policies."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "meshguard.yaml").write_text(config or "contracts: {dir: contracts}\n", encoding="utf-8")
    (root / "contracts").mkdir(exist_ok=True)
    for name, doc in docs.items():
        (root / "contracts" / f"{name}.odcs.yaml").write_text(
            yaml.safe_dump(doc, sort_keys=False), encoding="utf-8"
        )
    if not (root / "policies").exists():
        shutil.copytree(POLICIES, root / "policies")
    if waivers is not None:
        (root / "waivers.yaml").write_text(waivers, encoding="utf-8")
    return root


def contract_of(root: Path, name: str) -> Contract:
    config = load_config(root)
    return load_contract(root / "contracts" / f"{name}.odcs.yaml", root, config.sensitivity).contract


def config_of(root: Path) -> Config:
    return load_config(root)
