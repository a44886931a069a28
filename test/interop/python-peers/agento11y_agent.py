"""The smallest agent on the Python `openai` client, recorded with Grafana's agent-observability SDK
(`agento11y`) the way it documents: model calls through its OpenAI wrapper
(`agento11y_openai.chat.completions.create`), tools through `start_tool_execution` (content
capture on), the conversation named with `with_conversation_id`. Its spans go to the application's
OpenTelemetry tracer provider, exported over OTLP/HTTP; its own generation ingest (Grafana Cloud's)
is off (`protocol="none"`), so nothing leaves the machine.

Driven through the environment: OTLP_URL, MODEL_URL, PEER_TURNS, PEER_TOOLS, PEER_FAILING,
PEER_SESSION, SERVICE_NAME.
"""
import json
import os
import time

import agento11y
import agento11y_openai
from openai import OpenAI
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

turns = json.loads(os.environ["PEER_TURNS"])
tools = json.loads(os.environ["PEER_TOOLS"])
failing = set(json.loads(os.environ["PEER_FAILING"]))

provider = TracerProvider(resource=Resource.create({"service.name": os.environ["SERVICE_NAME"]}))
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=os.environ["OTLP_URL"])))
recorder = agento11y.Client(agento11y.ClientConfig(
    generation_export=agento11y.GenerationExportConfig(protocol="none"),
    tracer_provider=provider,
    agent_name="mail-agent",
))
llm = OpenAI(base_url=os.environ["MODEL_URL"], api_key="scripted")
openai_tools = [
    {"type": "function", "function": {"name": n, "description": t["description"],
     "parameters": {"type": "object", "properties": {p: {"type": "string"} for p in t["params"]}, "required": t["params"]}}}
    for n, t in tools.items()
]


def run_tool(name, args, call_id):
    rec = recorder.start_tool_execution(agento11y.ToolExecutionStart(tool_name=name, tool_call_id=call_id, tool_type="function", include_content=True))
    try:
        time.sleep(0.003)  # keeps the tool span and the next model call apart in millisecond timestamps
        if name in failing:
            raise RuntimeError(f"{name} failed")
        result = f"{name} ok"
        rec.set_result(agento11y.ToolExecutionEnd(arguments=args, result=result))
        return result
    except RuntimeError as err:
        rec.set_exec_error(err)
        return f"error: {err}"
    finally:
        rec.end()


def converse():
    messages = []
    for prompt in turns:
        messages.append({"role": "user", "content": prompt})
        for _ in range(20):
            request = {"model": "scripted-gpt", "messages": messages, "tools": openai_tools}
            res = agento11y_openai.chat.completions.create(recorder, request, lambda req: llm.chat.completions.create(**req))
            msg = res.choices[0].message
            messages.append(msg.model_dump(exclude_none=True))
            if not msg.tool_calls:
                break
            for call in msg.tool_calls:
                result = run_tool(call.function.name, json.loads(call.function.arguments), call.id)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result})


with agento11y.with_conversation_id(os.environ["PEER_SESSION"]):
    converse()
recorder.shutdown()
provider.force_flush()
provider.shutdown()
