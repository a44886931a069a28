"""The smallest agent an application writes on the Python `openai` client, traced by one of two
instrumentations of that client, with its tools traced as that instrumentation's conventions ask:

  otel           opentelemetry-instrumentation-openai-v2 (chat spans, GenAI names); tools as
                 `execute_tool` spans; both turns under one `invoke_agent` span (the trace is the session)
  openinference  openinference-instrumentation-openai (LLM spans); tools as OpenInference TOOL spans;
                 the conversation named with `using_session`
  openlit        OpenLIT (`openlit.init()`: its OpenAI instrumentation, `chat {model}` spans, and its
                 HTTP client instrumentations), reusing the application's tracer provider, pricing from
                 a local file so nothing is fetched; tools and the agent span as in `otel`

Driven by the test through the environment: OTLP_URL, MODEL_URL, PEER_TURNS (JSON list of user
prompts), PEER_TOOLS (JSON {name: {description, params}}), PEER_FAILING (JSON list of tools that
fail), PEER_SESSION (openinference only), SERVICE_NAME.
"""
import json
import os
import sys
import time

from openai import OpenAI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Status, StatusCode

mode = sys.argv[1]
turns = json.loads(os.environ["PEER_TURNS"])
tools = json.loads(os.environ["PEER_TOOLS"])
failing = set(json.loads(os.environ["PEER_FAILING"]))

provider = TracerProvider(resource=Resource.create({"service.name": os.environ["SERVICE_NAME"]}))
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=os.environ["OTLP_URL"])))
trace.set_tracer_provider(provider)
if mode == "otel":
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    OpenAIInstrumentor().instrument(tracer_provider=provider)
elif mode == "openlit":
    import openlit
    openlit.init(application_name="mail-agent", service_name=os.environ["SERVICE_NAME"], disable_metrics=True, disable_events=True,
                 pricing_json=os.path.join(os.path.dirname(__file__), "openlit-pricing.json"))
else:
    from openinference.instrumentation import using_session
    from openinference.instrumentation.openai import OpenAIInstrumentor
    OpenAIInstrumentor().instrument(tracer_provider=provider)
tracer = provider.get_tracer("python-agent")
client = OpenAI(base_url=os.environ["MODEL_URL"], api_key="scripted")
openai_tools = [
    {"type": "function", "function": {"name": n, "description": t["description"],
     "parameters": {"type": "object", "properties": {p: {"type": "string"} for p in t["params"]}, "required": t["params"]}}}
    for n, t in tools.items()
]


def tool_attributes(name, args, call_id):
    if mode in ("otel", "openlit"):
        return {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name, "gen_ai.tool.call.id": call_id,
                "gen_ai.tool.type": "function", "gen_ai.tool.call.arguments": json.dumps(args)}
    return {"openinference.span.kind": "TOOL", "tool.name": name, "tool_call.id": call_id, "input.value": json.dumps(args),
            "session.id": os.environ["PEER_SESSION"]}


def run_tool(name, args, call_id):
    span_name = name if mode == "openinference" else f"execute_tool {name}"
    with tracer.start_as_current_span(span_name, attributes=tool_attributes(name, args, call_id)) as span:
        time.sleep(0.003)  # keeps the tool span and the next model call apart in millisecond timestamps
        if name in failing:
            span.set_status(Status(StatusCode.ERROR, f"{name} failed"))
            span.set_attribute("error.type", "RuntimeError")
            return f"error: {name} failed"
        return f"{name} ok"


def converse():
    messages = []
    for prompt in turns:
        messages.append({"role": "user", "content": prompt})
        for _ in range(20):
            res = client.chat.completions.create(model="scripted-gpt", messages=messages, tools=openai_tools)
            msg = res.choices[0].message
            messages.append(msg.model_dump(exclude_none=True))
            if not msg.tool_calls:
                break
            for call in msg.tool_calls:
                result = run_tool(call.function.name, json.loads(call.function.arguments), call.id)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result})


if mode in ("otel", "openlit"):
    with tracer.start_as_current_span("invoke_agent mail-agent", attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "mail-agent"}):
        converse()
else:
    with using_session(os.environ["PEER_SESSION"]):
        converse()
provider.force_flush()
provider.shutdown()
