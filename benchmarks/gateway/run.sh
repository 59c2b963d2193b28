#!/usr/bin/env bash
# The gateway read benchmark: the same reads through `sesphr gateway` and through the SDK directly,
# side by side in one run.
#
#   benchmarks/gateway/run.sh      → benchmarks/results/gateway-read.{md,json} (overwritten)
#
# It builds the servers and the benchmark (Release), then runs GatewayRead/, which starts a private
# PostgreSQL cluster, the SRS and the FhirServer on free loopback ports (the system tests' harness),
# seals a Synthea patient with the patient's client, starts the gateway in process and measures.
# Everything it starts it stops. Settings: GATEWAY_ROUNDS (5), GATEWAY_READS (200 per path and
# round), GATEWAY_RESULTS (benchmarks/results).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export SESPHR_TEST_CONFIGURATION=Release

dotnet build "$here/GatewayRead/SeSPHR.GatewayRead.csproj" -c Release -nologo -v q -clp:ErrorsOnly
exec dotnet "$here/GatewayRead/bin/Release/net10.0/SeSPHR.GatewayRead.dll"
