package com.marketcast.gateway;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Channel ids and the short-lived tokens bound to them.
 *
 * <p>A channel id is 128 bits from {@link SecureRandom} in hex: unguessable, URL-safe, inside the
 * protocol's id alphabet, and derived from nothing. A token is a JWT signed with HS256 whose
 * subject is the channel id; verification accepts HS256 only (the verifier rejects any other {@code
 * alg}, {@code none} included), checks the issuer and {@code exp} without leeway, and then the
 * channel: a valid token of another channel is 403, anything else wrong is 401.
 */
public final class ChannelTokens {
    private static final String ISSUER = "marketcast-gateway";
    private static final int CHANNEL_ID_BYTES = 16;

    private final SecureRandom random = new SecureRandom();
    private final Algorithm algorithm;
    private final JWTVerifier verifier;
    private final Duration ttl;
    private final Clock clock;

    public ChannelTokens(byte[] secret, Duration ttl, Clock clock) {
        this.algorithm = Algorithm.HMAC256(secret);
        this.ttl = ttl;
        this.clock = clock;
        // JWT.require pins the algorithm: a token with another alg fails verification
        this.verifier =
                ((JWTVerifier.BaseVerification)
                                JWT.require(algorithm).withIssuer(ISSUER).acceptLeeway(0))
                        .build(clock);
    }

    /** A new channel id: 32 hex digits of {@link SecureRandom}. */
    public String newChannelId() {
        byte[] bytes = new byte[CHANNEL_ID_BYTES];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** A token for the channel, valid for the configured TTL. */
    public String issue(String channelId) {
        Instant now = clock.instant();
        return JWT.create()
                .withIssuer(ISSUER)
                .withSubject(channelId)
                .withIssuedAt(now)
                .withExpiresAt(now.plus(ttl))
                .sign(algorithm);
    }

    public Duration ttl() {
        return ttl;
    }

    /**
     * Checks a token for a channel: returns normally when it is valid and bound to that channel.
     *
     * @throws ApiException 401 for a missing, malformed, forged or expired token, 403 for a valid
     *     token of another channel
     */
    public void verify(String token, String channelId) {
        if (token == null || token.isBlank()) {
            throw ApiException.unauthorized("a token is required (Authorization: Bearer <token>)");
        }
        String subject;
        try {
            subject = verifier.verify(token).getSubject();
        } catch (TokenExpiredException e) {
            throw ApiException.unauthorized("the token has expired");
        } catch (JWTVerificationException e) {
            // forged, malformed, another algorithm: one answer, no detail to probe with
            throw ApiException.unauthorized("the token is not valid");
        }
        if (!channelId.equals(subject)) {
            throw ApiException.forbidden("the token is for another channel");
        }
    }
}
