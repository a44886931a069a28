"""An MCP server (the `mcp` SDK's MCPServer over stdio) serving the peer tools, with the SDK's own
OpenTelemetry spans (`tools/call {tool}`, `mcp.method.name`, GenAI `execute_tool` names) exported
over OTLP/HTTP. The SDK continues the caller's trace from the request's `_meta` (W3C trace context).

Driven through the environment: OTLP_URL, PEER_TOOLS (JSON {name: {description, params}}),
PEER_FAILING (JSON list of tools that fail).
"""
import inspect
import json
import os
import time

from mcp.server import MCPServer
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

provider = TracerProvider(resource=Resource.create({"service.name": "python-mcp-server"}))
# Simple (synchronous) export: a call's span is sent before its response, so nothing waits on the exit.
provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=os.environ["OTLP_URL"])))
trace.set_tracer_provider(provider)

tools = json.loads(os.environ["PEER_TOOLS"])
failing = set(json.loads(os.environ["PEER_FAILING"]))
server = MCPServer("peer-tools")


def make_tool(name, spec):
    def run(**args):
        time.sleep(0.003)  # keeps the tool spans and the next model call apart in millisecond timestamps
        if name in failing:
            raise RuntimeError(f"{name} failed")
        return f"{name} ok"

    # The SDK reads a tool's input schema from its signature.
    run.__signature__ = inspect.Signature(
        [inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY, annotation=str) for p in spec["params"]], return_annotation=str)
    run.__annotations__ = {**{p: str for p in spec["params"]}, "return": str}
    run.__name__ = name
    return run


for tool_name, tool_spec in tools.items():
    server.add_tool(make_tool(tool_name, tool_spec), name=tool_name, description=tool_spec["description"])

if __name__ == "__main__":
    server.run("stdio")
