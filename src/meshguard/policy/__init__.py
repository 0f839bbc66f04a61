"""The policy stage: Rego decisions over the policy input document (DESIGN.md §5–6).

``input`` builds the document, ``metadata`` reads ``# METADATA`` annotations,
``engine`` is the engine protocol and registry (``embedded``, ``opa``),
``waivers`` applies waivers.yaml and ``stage`` ties them together for the
pipeline. Nothing heavy is imported here.
"""
