namespace Gateway.FunctionalTests.Mcp;

/// <summary>One HTTP request an MCP test server received: verb, JSON-RPC method (empty for GET/DELETE), headers, status answered.</summary>
public sealed record McpRequest(string HttpMethod, string Method, IReadOnlyDictionary<string, string> Headers, int Status);
