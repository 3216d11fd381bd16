"""Published Solidity protocols compiled from their npm sources, unmodified.

Some protocols the index is tested against ship only sources on npm (Morpho
Blue, Chainlink's aggregators). They are compiled here with the Solidity
compiler that npm's `solc` package carries (the exact version each protocol
pins, locked in package-lock.json: nothing is downloaded at run time), with
the settings the protocol's own build uses, and the result is cached under
`.build/solidity/` so the compile (about 10 s for Morpho Blue) happens once
per clone. Two processes that compile at once each write a whole file and the
last rename wins: both are the same bytes.

Chain-free: returns ABIs and creation bytecode; deploying is the caller's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from indexvault.errors import ArtifactError

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
CACHE = ROOT / ".build" / "solidity"


@dataclass(frozen=True)
class Build:
    """One contract of a published package and how its authors compile it."""

    compiler: str  # the npm alias of the solc package, e.g. "solc-0.8.19"
    package: str  # the npm package holding the sources
    source: str  # the contract's file, relative to the package
    contract: str  # the contract's name in that file
    settings: dict = field(default_factory=dict)  # solc's standard-JSON settings besides outputSelection


# Morpho Blue 1.0.0 as deployed on mainnet: solc 0.8.19, via IR, 999,999 optimizer runs, Paris.
_MORPHO = {"viaIR": True, "optimizer": {"enabled": True, "runs": 999_999}, "evmVersion": "paris"}

BUILDS = {
    "Morpho": Build("solc-0.8.19", "@morpho-org/morpho-blue", "src/Morpho.sol", "Morpho", _MORPHO),
}

# Reads the standard-JSON input on stdin, resolves imports against the package and node_modules.
_COMPILE_JS = """
const fs = require('fs'), path = require('path');
const [solcPath, packageDir, nodeModules] = process.argv.slice(1);
const solc = require(solcPath);
function findImports(p) {
  for (const base of [packageDir, nodeModules]) {
    const file = path.join(base, p);
    if (fs.existsSync(file)) return {contents: fs.readFileSync(file, 'utf8')};
  }
  return {error: 'not found: ' + p};
}
const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, {import: findImports}));
"""


def _input(build: Build) -> dict:
    source = (NODE_MODULES / build.package / build.source).read_text()
    return {
        "language": "Solidity",
        "sources": {build.source: {"content": source}},
        "settings": {**build.settings, "outputSelection": {build.source: {build.contract: ["abi", "evm.bytecode"]}}},
    }


def _compile(build: Build) -> dict:
    node = shutil.which("node")
    compiler = NODE_MODULES / build.compiler
    package = NODE_MODULES / build.package
    if node is None:
        raise ArtifactError("node is not on PATH: Node.js compiles the published Solidity sources")
    if not compiler.is_dir() or not package.is_dir():
        raise ArtifactError(f"{compiler.name} or {build.package} is missing from node_modules: run `make install`")
    result = subprocess.run(
        [node, "-e", _COMPILE_JS, str(compiler), str(package), str(NODE_MODULES)],
        input=json.dumps(_input(build)),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ArtifactError(f"{build.compiler} failed on {build.source}: {result.stderr.strip()[-2000:]}")
    output = json.loads(result.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise ArtifactError(f"{build.compiler} refused {build.source}:\n" + "\n".join(errors))
    compiled = output["contracts"][build.source][build.contract]
    return {"abi": compiled["abi"], "bytecode": "0x" + compiled["evm"]["bytecode"]["object"]}


def _key(build: Build) -> str:
    """Changes when the build's settings, the sources' package or the compiler's version change."""
    versions = [
        json.loads((NODE_MODULES / p / "package.json").read_text())["version"] for p in (build.compiler, build.package)
    ]
    return hashlib.sha256(json.dumps([repr(build), versions]).encode()).hexdigest()[:16]


@cache
def artifact(name: str) -> dict:
    """`{"abi": [...], "bytecode": "0x..."}` of a published contract (BUILDS), compiled once per clone."""
    build = BUILDS[name]
    path = CACHE / f"{name}-{_key(build)}.json"
    if not path.exists():
        compiled = _compile(build)
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(compiled))
        partial.replace(path)
    return json.loads(path.read_text())
