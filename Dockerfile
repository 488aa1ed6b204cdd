# syntax=docker/dockerfile:1
# Multi-stage build of the Native AOT gateway. The builder publishes net10.0 AOT with SQLite linked in
# statically (libsqlite3-dev provides libsqlite3.a, the NativeLibrary in src/Gateway/Gateway.csproj);
# the final image is chiseled (distroless-style: no shell, no package manager) and runs as the
# non-root "app" user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang zlib1g-dev libsqlite3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props trimming.xml Gateway.sln ./
COPY src/ src/
RUN dotnet publish src/Gateway/Gateway.csproj -c Release -r linux-x64 -o /out \
 && rm -f /out/*.dbg /out/*.pdb \
 && mkdir -p /data

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled AS final
COPY --from=build /out/gateway /app/gateway
# The working directory is where relative paths resolve, the span store's gateway-spans.db among them:
# /data, owned by the non-root user (/app is not writable for it). Mount a volume here to keep spans.
COPY --from=build --chown=$APP_UID:$APP_UID /data /data
WORKDIR /data
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["/app/gateway"]
CMD ["serve"]
