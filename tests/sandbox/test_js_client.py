"""A second, independent client: the official JavaScript ``zotero-api-client`` from npm.

The package is installed once into a cache directory outside the repository (override with
``ZOTMARK_TEST_NPM_CACHE``); the test skips, saying why, when node/npm are missing or the
package cannot be installed (e.g. offline).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from zotmark.sandbox import Sandbox

PACKAGE = "zotero-api-client@0.48.0"
pytestmark = pytest.mark.system

SCRIPT = r"""
const api = require(process.env.ZAC_MODULE).default;
const opts = {apiAuthorityPart: process.env.ZAC_AUTHORITY, apiScheme: 'http'};
(async () => {
  const library = () => api(process.env.ZAC_KEY, opts).library('user', process.env.ZAC_USER);
  const read = await library().items().get();
  const titles = read.getData().map(item => item.title).sort();
  const created = await library().items().post([{itemType: 'book', title: 'From JS'}]);
  const entity = created.getEntityByIndex(0);
  const patched = await library().items(entity.key).version(entity.version)
    .patch({title: 'From JS, edited'});
  console.log(JSON.stringify({
    titles, readVersion: read.getVersion(), key: entity.key, version: entity.version,
    patchStatus: patched.response.status, patchVersion: patched.getVersion(),
  }));
})().catch(error => { console.error(error); process.exit(1); });
"""


def _install() -> Path:
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.skip("node and npm are needed to run the zotero-api-client check")
    default = Path.home() / ".cache" / "zotmark-tests" / "npm"
    cache = Path(os.environ.get("ZOTMARK_TEST_NPM_CACHE", default))
    module = cache / "node_modules" / "zotero-api-client"
    if not module.exists():
        cache.mkdir(parents=True, exist_ok=True)
        command = [
            npm,
            "install",
            "--prefix",
            str(cache),
            "--no-save",
            "--no-package-lock",
            "--no-audit",
            "--no-fund",
            PACKAGE,
        ]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=240)
        except subprocess.TimeoutExpired:
            pytest.skip(f"npm could not install {PACKAGE} within 240 s (offline?)")
        if result.returncode != 0 or not module.exists():
            pytest.skip(f"npm could not install {PACKAGE} (offline?): {result.stderr[-300:]}")
    return module


def test_official_js_client_reads_and_writes(sandbox: Sandbox, tmp_path: Path) -> None:
    """zotero-api-client lists items, POSTs one and PATCHes it with its version."""
    module = _install()
    sandbox.add_items([{"itemType": "book", "title": "Seeded"}])
    script = tmp_path / "check.cjs"
    script.write_text(SCRIPT)
    env = {
        **os.environ,
        "ZAC_MODULE": str(module),
        "ZAC_AUTHORITY": sandbox.url.removeprefix("http://"),
        "ZAC_KEY": sandbox.api_key,
        "ZAC_USER": str(sandbox.user_id),
    }
    result = subprocess.run(
        ["node", str(script)], capture_output=True, text=True, timeout=60, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["titles"] == ["Seeded"] and outcome["readVersion"] == 1
    assert (outcome["version"], outcome["patchStatus"], outcome["patchVersion"]) == (2, 204, 3)
    assert sandbox.items()[outcome["key"]]["title"] == "From JS, edited"
