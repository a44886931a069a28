"""The smallest agent on the Python `openai` client, traced by OpenLLMetry's Python SDK
(`traceloop-sdk`) the way it documents: one `Traceloop.init()` at start (its exporter pointed at the
OTLP endpoint, its anonymous usage telemetry off, only its OpenAI instrumentation), the tools as
`@tool` functions, the conversation under an `@agent` function, named by the association property
`session_id`. No flightrec code.

Driven through the environment: OTLP_URL, MODEL_URL, PEER_TURNS, PEER_TOOLS, PEER_FAILING,
PEER_SESSION, SERVICE_NAME.
"""
import json
import os
import time

from openai import OpenAI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from traceloop.sdk import Traceloop
from traceloop.sdk.decorators import agent, tool
from traceloop.sdk.instruments import Instruments

turns = json.loads(os.environ["PEER_TURNS"])
tools = json.loads(os.environ["PEER_TOOLS"])
failing = set(json.loads(os.environ["PEER_FAILING"]))

Traceloop.init(app_name=os.environ["SERVICE_NAME"], exporter=OTLPSpanExporter(endpoint=os.environ["OTLP_URL"]),
               disable_batch=True, telemetry_enabled=False, instruments={Instruments.OPENAI})
llm = OpenAI(base_url=os.environ["MODEL_URL"], api_key="scripted")
openai_tools = [
    {"type": "function", "function": {"name": n, "description": t["description"],
     "parameters": {"type": "object", "properties": {p: {"type": "string"} for p in t["params"]}, "required": t["params"]}}}
    for n, t in tools.items()
]


def make_tool(name):
    @tool(name=name)
    def run(**args):
        time.sleep(0.003)  # keeps the tool span and the next model call apart in millisecond timestamps
        if name in failing:
            raise RuntimeError(f"{name} failed")
        return f"{name} ok"
    return run


peer_tools = {n: make_tool(n) for n in tools}


@agent(name="mail-agent")
def converse():
    messages = []
    for prompt in turns:
        messages.append({"role": "user", "content": prompt})
        for _ in range(20):
            res = llm.chat.completions.create(model="scripted-gpt", messages=messages, tools=openai_tools)
            msg = res.choices[0].message
            messages.append(msg.model_dump(exclude_none=True))
            if not msg.tool_calls:
                break
            for call in msg.tool_calls:
                try:
                    result = peer_tools[call.function.name](**json.loads(call.function.arguments))
                except RuntimeError as err:
                    result = f"error: {err}"
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result})


Traceloop.set_association_properties({"session_id": os.environ["PEER_SESSION"]})
converse()
trace.get_tracer_provider().force_flush()  # disable_batch: spans went out as they ended; this is belt and braces
