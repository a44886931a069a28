"""An agent on the Python `openai` client whose tools live on an MCP server (mcp_server.py, started
by the `mcp` SDK's Client as a child process over stdio). Model calls are traced by
opentelemetry-instrumentation-openai-v2 (GenAI `chat` spans); each tool call by the MCP SDK's own
OpenTelemetry spans on both sides (client `MCP send tools/call {tool}`, server `tools/call
{tool}`, the trace carried in the request's `_meta`). Both turns run under one `invoke_agent`
span, so the trace is the session. No flightrec code.

Driven through the environment: OTLP_URL, MODEL_URL, PEER_TURNS, PEER_TOOLS, PEER_FAILING (passed on
to the server), SERVICE_NAME.
"""
import asyncio
import json
import os
import sys

from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from openai import AsyncOpenAI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

provider = TracerProvider(resource=Resource.create({"service.name": os.environ["SERVICE_NAME"]}))
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=os.environ["OTLP_URL"])))
trace.set_tracer_provider(provider)
OpenAIInstrumentor().instrument(tracer_provider=provider)
tracer = provider.get_tracer("python-mcp-agent")
turns = json.loads(os.environ["PEER_TURNS"])
tools = json.loads(os.environ["PEER_TOOLS"])
llm = AsyncOpenAI(base_url=os.environ["MODEL_URL"], api_key="scripted")
openai_tools = [
    {"type": "function", "function": {"name": n, "description": t["description"],
     "parameters": {"type": "object", "properties": {p: {"type": "string"} for p in t["params"]}, "required": t["params"]}}}
    for n, t in tools.items()
]
server = StdioServerParameters(command=sys.executable, args=[os.path.join(os.path.dirname(__file__), "mcp_server.py")],
                               env={k: os.environ[k] for k in ("OTLP_URL", "PEER_TOOLS", "PEER_FAILING")})


async def converse(mcp):
    messages = []
    for prompt in turns:
        messages.append({"role": "user", "content": prompt})
        for _ in range(20):
            res = await llm.chat.completions.create(model="scripted-gpt", messages=messages, tools=openai_tools)
            msg = res.choices[0].message
            messages.append(msg.model_dump(exclude_none=True))
            if not msg.tool_calls:
                break
            for call in msg.tool_calls:
                result = await mcp.call_tool(call.function.name, json.loads(call.function.arguments))
                text = "".join(getattr(c, "text", "") for c in result.content)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": f"error: {text}" if result.is_error else text})


async def main():
    with tracer.start_as_current_span("invoke_agent mail-agent", attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "mail-agent"}):
        async with Client(server) as mcp:
            await converse(mcp)


asyncio.run(main())
provider.force_flush()
provider.shutdown()
