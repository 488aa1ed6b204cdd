namespace Gateway.Tracing;

/// <summary>
/// Every span attribute key of the seeds (../shared/seeds/000_*.txt and 003_*.txt), defined once.
/// Indexed keys (<c>gen_ai.prompt.{index}.content</c>) are built by <see cref="IndexedKeys"/>.
/// </summary>
internal static class SpanAttributes
{
    // Seed 000, chatCompletions.
    public const string GenAiRequestModel = "gen_ai.request.model";
    public const string GenAiRequestMaxTokens = "gen_ai.request.max_tokens";
    public const string GenAiRequestTemperature = "gen_ai.request.temperature";
    public const string GenAiRequestTopP = "gen_ai.request.top_p";
    public const string GenAiOperationName = "gen_ai.operation.name";
    public const string GenAiSystem = "gen_ai.system";
    // Seed 000: message events.
    public const string EventSystemMessage = "gen_ai.system.message";
    public const string EventUserMessage = "gen_ai.user.message";
    public const string EventAssistantMessage = "gen_ai.assistant.message";
    public const string EventToolMessage = "gen_ai.tool.message";
    public const string EventUnknownMessage = "gen_ai.unknown.message";
    // Attributes of those events: the body fields of the pre-1.37 GenAI message events, flattened
    // because OTLP span events carry attributes only.
    public const string EventContent = "content";
    public const string EventRole = "role";
    public const string EventToolCalls = "tool_calls";
    public const string EventId = "id";

    // Current GenAI conventions (../shared/reference/genai-semconv.md).
    public const string GenAiProviderName = "gen_ai.provider.name";
    public const string GenAiUsageInputTokens = "gen_ai.usage.input_tokens";
    public const string GenAiUsageOutputTokens = "gen_ai.usage.output_tokens";
    public const string GenAiUsageCacheReadInputTokens = "gen_ai.usage.cache_read.input_tokens";
    public const string GenAiUsageCacheCreationInputTokens = "gen_ai.usage.cache_creation.input_tokens";
    public const string GenAiResponseId = "gen_ai.response.id";
    public const string GenAiResponseModel = "gen_ai.response.model";
    public const string GenAiResponseFinishReasons = "gen_ai.response.finish_reasons";
    public const string GenAiRequestStream = "gen_ai.request.stream";
    public const string GenAiConversationId = "gen_ai.conversation.id";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string ErrorType = "error.type";
    public const string HttpRequestMethod = "http.request.method";
    public const string UrlFull = "url.full";
    // GenAI execute_tool spans (genai-semconv.md).
    public const string GenAiToolName = "gen_ai.tool.name";
    public const string GenAiToolCallId = "gen_ai.tool.call.id";

    // Seed 000, agentResponsesHandler.
    public const string HandlerName = "handler.name";
    public const string RequestMethod = "request.method";
    public const string RequestUrl = "request.url";
    // Not in the seeds: how many model turns an agent request ran and how many tools it called (docs/agents-and-mcp.md).
    public const string AgentIterations = "agent.iterations";
    public const string AgentToolCalls = "agent.tool_calls";

    // Seed 000, MCP server spans.
    public const string McpServerFqn = "mcp_server_fqn";
    public const string McpServerUrl = "mcp_server_url";
    public const string Tools = "tools";
    public const string ToolName = "toolName";
    public const string Args = "args";
    public const string IntegrationId = "integrationId";
    public const string IntegrationFqn = "integrationFqn";
    public const string Result = "result";
    public const string Status = "status";

    // Seed 000, fallbackRequest.
    public const string FallbackHttpUrl = "fallback.http.url";
    public const string FallbackHttpMethod = "fallback.http.method";
    public const string FallbackRequestedModel = "fallback.requested_model";
    public const string FallbackResolvedModel = "fallback.resolved_model";
    public const string FallbackConfigId = "fallback.config_id";
    public const string FallbackMaxTokens = "fallback.max_tokens";
    public const string FallbackTemperature = "fallback.temperature";

    // Seed 000, RateLimiterMiddleware.
    public const string RateLimiterModel = "rate_limiter.model";
    public const string RateLimiterMetadata = "rate_limiter.metadata";
    public const string RateLimiterUserSubjectType = "rate_limiter.user.subject_type";
    public const string RateLimiterUserSubjectSlug = "rate_limiter.user.subject_slug";
    public const string RateLimiterUserTenantName = "rate_limiter.user.tenant_name";
    public const string RateLimiterRules = "rate_limiter.rules";
    public const string RateLimiterRuleId = "rate_limiter.rule.id";
    public const string RateLimiterStatus = "rate_limiter.status";
    public const string RateLimiterRemaining = "rate_limiter.remaining";

    // Seed 000, loadBalanceMiddleware.
    public const string LoadBalanceHttpUrl = "load_balance.http.url";
    public const string LoadBalanceHttpMethod = "load_balance.http.method";
    public const string UserTenantName = "user.tenantName";
    public const string LoadBalanceRequestedModel = "load_balance.requested_model";
    public const string LoadBalanceResolvedModel = "load_balance.resolved_model";

    // Seed 003, core span attributes.
    public const string TfySpanType = "tfy.span_type";
    public const string TfyTracingProjectFqn = "tfy.tracing_project_fqn";
    public const string TfyInput = "tfy.input";
    public const string TfyOutput = "tfy.output";
    public const string TfyInputShortHand = "tfy.input_short_hand";
    public const string TfyErrorMessage = "tfy.error_message";
    public const string TfyPromptVersionFqn = "tfy.prompt_version_fqn";
    public const string TfyPromptVariables = "tfy.prompt_variables";
    public const string TfyTriggeredGuardrailFqns = "tfy.triggered_guardrail_fqns";

    // Seed 003, request context.
    public const string TfyRequestModelName = "tfy.request.model_name";
    public const string TfyRequestCreatedBySubject = "tfy.request.created_by_subject";
    public const string TfyRequestCreatedBySubjectTeams = "tfy.request.created_by_subject_teams";
    public const string TfyRequestMetadata = "tfy.request.metadata";
    public const string TfyRequestConversationId = "tfy.request.conversation_id";

    // Seed 003, model attributes and metrics.
    public const string TfyModelId = "tfy.model.id";
    public const string TfyModelName = "tfy.model.name";
    public const string TfyModelFqn = "tfy.model.fqn";
    public const string TfyModelRequestUrl = "tfy.model.request_url";
    public const string TfyModelStreaming = "tfy.model.streaming";
    public const string TfyModelRequestType = "tfy.model.request_type";
    public const string TfyModelMetricTimeToFirstTokenInMs = "tfy.model.metric.time_to_first_token_in_ms";
    public const string TfyModelMetricLatencyInMs = "tfy.model.metric.latency_in_ms";
    public const string TfyModelMetricInputTokens = "tfy.model.metric.input_tokens";
    public const string TfyModelMetricOutputTokens = "tfy.model.metric.output_tokens";
    public const string TfyModelMetricCostInUsd = "tfy.model.metric.cost_in_usd";
    public const string TfyModelMetricInterTokenLatencyInMs = "tfy.model.metric.inter_token_latency_in_ms";
    public const string TfyModelMetricCacheReadInputTokens = "tfy.model.metric.cache_read_input_tokens";
    public const string TfyModelMetricCacheCreationInputTokens = "tfy.model.metric.cache_creation_input_tokens";

    // Seed 003, rule ids.
    public const string AppliedLoadBalanceRuleIds = "applied_loadbalance_rule_ids";
    public const string AppliedBudgetRuleIds = "applied_budget_rule_ids";
    public const string AppliedRateLimitRuleIds = "applied_ratelimit_rule_ids";

    // Seed 003, MCP server attributes and metrics.
    public const string TfyMcpServerId = "tfy.mcp_server.id";
    public const string TfyMcpServerName = "tfy.mcp_server.name";
    public const string TfyMcpServerUrl = "tfy.mcp_server.url";
    public const string TfyMcpServerFqn = "tfy.mcp_server.fqn";
    public const string TfyMcpServerServerName = "tfy.mcp_server.server_name";
    public const string TfyMcpServerMethod = "tfy.mcp_server.method";
    public const string TfyMcpServerPrimitiveName = "tfy.mcp_server.primitive_name";
    public const string TfyMcpServerErrorCode = "tfy.mcp_server.error_code";
    public const string TfyMcpServerIsToolCallExecutionError = "tfy.mcp_server.is_tool_call_execution_error";
    public const string TfyMcpServerMetricLatencyInMs = "tfy.mcp_server.metric.latency_in_ms";
    public const string TfyMcpServerMetricNumberOfTools = "tfy.mcp_server.metric.number_of_tools";

    // Seed 003, guardrail attributes and metrics.
    public const string TfyGuardrailId = "tfy.guardrail.id";
    public const string TfyGuardrailName = "tfy.guardrail.name";
    public const string TfyGuardrailFqn = "tfy.guardrail.fqn";
    public const string TfyGuardrailResult = "tfy.guardrail.result";
    public const string TfyGuardrailAppliedOnEntityType = "tfy.guardrail.applied_on_entity.type";
    public const string TfyGuardrailAppliedOnEntityId = "tfy.guardrail.applied_on_entity.id";
    public const string TfyGuardrailAppliedOnEntityName = "tfy.guardrail.applied_on_entity.name";
    public const string TfyGuardrailAppliedOnEntityFqn = "tfy.guardrail.applied_on_entity.fqn";
    public const string TfyGuardrailAppliedOnEntityScope = "tfy.guardrail.applied_on_entity.scope";
    public const string TfyGuardrailMetricLatencyInMs = "tfy.guardrail.metric.latency_in_ms";

    // The GenAI conventions' apply_guardrail span (proposed, not yet released: docs/guardrails.md), beside seed 003's.
    public const string GenAiGuardrailName = "gen_ai.guardrail.name";
    public const string GenAiSecurityDecisionType = "gen_ai.security.decision.type";
    public const string GenAiSecurityTargetType = "gen_ai.security.target.type";

    // Seed 003, HTTP.
    public const string HttpResponseStatusCode = "http.response.status_code";

    // OpenTelemetry semantic conventions for MCP (mcp.md), on the MCP gateway endpoint's spans: the method, the
    // caller's JSON-RPC request id, the protocol revision it declared.
    public const string McpMethodName = "mcp.method.name";
    public const string McpProtocolVersion = "mcp.protocol.version";
    public const string JsonRpcRequestId = "jsonrpc.request.id";
}
