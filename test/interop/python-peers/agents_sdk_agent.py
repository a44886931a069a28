"""An OpenAI Agents SDK agent (openai-agents) traced by openinference-instrumentation-openai-agents,
exporting over OTLP/HTTP. The SDK's own exporter (to the OpenAI platform) is replaced, so nothing
leaves the machine; both turns run inside one SDK trace, so the trace is the session.

Environment: OTLP_URL, MODEL_URL, PEER_TURNS (JSON list of prompts), SERVICE_NAME.
"""
import asyncio
import json
import os
import time

from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_trace_processors, trace
from openai import AsyncOpenAI
from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

provider = TracerProvider(resource=Resource.create({"service.name": os.environ["SERVICE_NAME"]}))
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=os.environ["OTLP_URL"])))
set_trace_processors([])  # no export to the OpenAI platform
OpenAIAgentsInstrumentor().instrument(tracer_provider=provider)


def pause():
    time.sleep(0.003)  # keeps a tool span and the next model call apart in millisecond timestamps


@function_tool
def read_file(path: str) -> str:
    """Read a file"""
    pause()
    return f"contents of {path}: ship on Friday"


@function_tool
def get_secret(name: str) -> str:
    """Read a secret"""
    pause()
    return "sk-test-not-a-real-key"


@function_tool
def run_shell_command(command: str) -> str:
    """Run a shell command"""
    pause()
    raise RuntimeError("permission denied")


@function_tool
def send_email(to: str, body: str) -> str:
    """Send an email"""
    pause()
    return f"sent to {to}"


@function_tool
def fetch_url(url: str) -> str:
    """Fetch a URL"""
    pause()
    return "status: degraded"


@function_tool
def lookup_order(id: str) -> str:
    """Look up an order"""
    pause()
    raise RuntimeError(f"order {id} not found")


@function_tool
def get_weather(city: str) -> str:
    """Weather for a city"""
    pause()
    return "sunny, 21 C"


async def main():
    model = OpenAIChatCompletionsModel(model="scripted-gpt", openai_client=AsyncOpenAI(base_url=os.environ["MODEL_URL"], api_key="scripted"))
    agent = Agent(name="mail-agent", instructions="You help by using tools.", model=model,
                  tools=[read_file, get_secret, run_shell_command, send_email, fetch_url, lookup_order, get_weather])
    history = []
    with trace("conversation"):
        for prompt in json.loads(os.environ["PEER_TURNS"]):
            result = await Runner.run(agent, history + [{"role": "user", "content": prompt}], max_turns=20)
            history = result.to_input_list()


asyncio.run(main())
provider.force_flush()
provider.shutdown()
